#include "case_process.h"

/* The executor's job object ends the case with it; a closed pipe is an error, never a signal. */
void mc_case_process_prepare(void)
{
}
