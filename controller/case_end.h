/*
 * How a case ends other than by passing: every way is recorded with the
 * file and line that decided it, so the result names the case's own line
 * (or the library's, when the library decided).
 *
 * Library functions take MC_WHERE and are called through macros that pass
 * MC_HERE, so the line recorded is the caller's.
 */
#ifndef MAPCONF_CASE_END_H
#define MAPCONF_CASE_END_H

#define MC_WHERE const char *file, int line
#define MC_HERE __FILE__, __LINE__

/*
 * End the case because the harness or its environment broke (ERROR), an
 * agent did not answer in time (TIMEOUT), or the platform lacks what the
 * case needs (SKIP). None returns.
 */
void mc_broken(MC_WHERE, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void mc_timed_out(MC_WHERE, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
void mc_skip(MC_WHERE, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
/* A check failed: the platform does not behave as the assertion says. */
void mc_fail(MC_WHERE, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#define MC_BROKEN(...) mc_broken(MC_HERE, __VA_ARGS__)
#define MC_SKIP(...)   mc_skip(MC_HERE, __VA_ARGS__)

#endif
