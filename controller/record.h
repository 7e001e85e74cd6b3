/*
 * The result record of a case: what the runner reads to decide its outcome.
 *
 * One line per event, appended and flushed at once (begin, check, fail,
 * error, skip, timeout, end). An ending names what ended the case first:
 * "fail check=LABEL ...", "error step=STEP ..." (also skip, timeout). A
 * case PASSes only if "end" is there, at least one check was made and
 * nothing failed: a case that stops early, checks nothing or dies leaves a
 * record that cannot read as a pass.
 */
#ifndef MAPCONF_RECORD_H
#define MAPCONF_RECORD_H

void mc_record_open(const char *path);        /* NULL: no record file */
void mc_record_begin(const char *id, const char *binary, const char *function,
		     const char *backend);
void mc_record_check(void);
void mc_record_end(void);
/* kind is "fail" (key "check"), "error", "skip" or "timeout" (key "step") */
void mc_record_ending(const char *kind, const char *key, const char *name, const char *message);
int mc_record_checks(void);

#endif
