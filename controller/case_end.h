/*
 * How a case ends other than by passing: every way is recorded with the
 * file and line that decided it, so the result names the case's own line
 * (or the library's, when the library decided).
 *
 * Library functions take MC_WHERE and are called through macros that pass
 * MC_HERE, so the line recorded is the caller's. The function behind macro
 * mc_x is mc_x_where; "at" in a name is kept for a place (an address, an
 * offset), as in mc_map's option .at.
 */
#ifndef MAPCONF_CASE_END_H
#define MAPCONF_CASE_END_H

#include "printf_format.h"

#define MC_WHERE const char *file, int line
#define MC_HERE __FILE__, __LINE__

/*
 * Every ending has a stable name the spec table's expectations can name
 * (see docs/reference.md, "Check labels"): a check ends the case with its
 * label, a step with its step: the request's verb ("create", "map"), or
 * what the library was doing ("agent-start", "memory-figure"), or the
 * label a case gives MC_BROKEN.
 *
 * End the case because the harness or its environment broke (ERROR), an
 * agent did not answer in time (TIMEOUT), or the platform lacks what the
 * case needs (SKIP). None returns.
 */
void mc_broken(MC_WHERE, const char *step, const char *fmt, ...)
	MC_PRINTF(4, 5) __attribute__((noreturn));
void mc_timed_out(MC_WHERE, const char *step, const char *fmt, ...)
	MC_PRINTF(4, 5) __attribute__((noreturn));
void mc_skip(MC_WHERE, const char *step, const char *fmt, ...)
	MC_PRINTF(4, 5) __attribute__((noreturn));
/* The check labelled so failed: the platform does not behave as the assertion says. */
void mc_fail(MC_WHERE, const char *label, const char *fmt, ...)
	MC_PRINTF(4, 5) __attribute__((noreturn));

/*
 * A label in a case is a string literal (lowercase words joined by
 * hyphens), so the runner can read a case's labels from its source: pasting
 * "" around it refuses anything else at compile time.
 */
#define MC_LABEL(label) ("" label "")

#define MC_BROKEN(label, ...) mc_broken(MC_HERE, MC_LABEL(label), __VA_ARGS__)
#define MC_SKIP(label, ...) mc_skip(MC_HERE, MC_LABEL(label), __VA_ARGS__)

#endif
