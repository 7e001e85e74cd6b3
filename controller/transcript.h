/*
 * The transcript of a case: every request and answer, with the agent's
 * label and the time since the case began. It is the evidence a report
 * shows next to a result, so it is written line by line and flushed: a
 * case that is killed still leaves everything it did.
 */
#ifndef MAPCONF_TRANSCRIPT_H
#define MAPCONF_TRANSCRIPT_H

#include "printf_format.h"

void mc_transcript_open(const char *path);   /* NULL: stderr */
void mc_transcript(const char *who, const char *arrow, const char *text);
void mc_transcript_note(const char *fmt, ...) MC_PRINTF(1, 2);

#endif
