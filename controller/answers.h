/*
 * The answers an agent client has received: kept until the case ends, and
 * parsed into struct mc_reply. Shared by the controller's agent client and
 * the Win32 one a reproducer carries (repro/win32_client.c).
 */
#ifndef MAPCONF_ANSWERS_H
#define MAPCONF_ANSWERS_H

#include "agent_client.h"

#include <stddef.h>

/* A copy of text that lives until mc_answers_forget(). */
char *mc_answer_keep(const char *text);
/* Free every kept answer (the end of a case). */
void mc_answers_forget(void);
/*
 * An answer line as the seq'th answer: ok, or err with its code and native
 * value; MC_CALL_MALFORMED with why when it is neither.
 */
enum mc_call_status mc_answer_parse(char *text, int seq, struct mc_reply *reply, char *why, size_t whylen);

#endif
