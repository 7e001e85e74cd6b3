/*
 * The trace of a case: what a reproducer needs to do the case again
 * without the harness (./mapconf repro). Written only when the runner sets
 * MAPCONF_TRACE_DIR, to DIR/<ID>.<backend>.trace, one event per line:
 *
 *   scratch DIR                where the case's files are (the first line)
 *   start A                    an agent started; its ready line is the next answer
 *   send A REQUEST             a request, as sent
 *   answer A #N LINE           the Nth answer of the case (ready lines included)
 *   fork P C | spawn P C H     P made agent C (its own request to P is the next send)
 *   exec A                     A runs its program again (the next send is "exec")
 *   kill A | end A             A was killed | A was waited for after it was told to end
 *   gone A                     A was waited for after another agent ended it (terminate)
 *   figure #N KIND KB          the controller read a memory figure (kB)
 *   figure #N KIND KB #B LO HI ... read again until it was within #B+LO..#B+HI
 *   reserve-huge-pages N       the case raised the machine's huge page pool by N
 *   chain NAME A FIELDS ... chain-end #N   a step whose requests depend on its
 *                              answers (read_through_raw), or that ends with no
 *                              answer (crash, #0); #N is its answer
 *   require #N                 a step: the case needed answer #N to be ok
 *   check LABEL ORACLE         a check, and what it requires (checks.h)
 *
 * Every answer is numbered, traced or not, so a check can name the answers
 * it judges (struct mc_reply's seq).
 */
#ifndef MAPCONF_TRACE_H
#define MAPCONF_TRACE_H

#include "printf_format.h"

/* Open DIR/<id>.<backend>.trace when MAPCONF_TRACE_DIR names a directory. */
void mc_trace_open(const char *id, const char *backend);
void mc_trace(const char *fmt, ...) MC_PRINTF(1, 2);
/* The number of the next answer, and count it. */
int mc_trace_next_seq(void);

#endif
