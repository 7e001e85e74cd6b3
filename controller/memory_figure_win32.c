/*
 * Memory figures on Windows: none is exact for the objects of one case.
 * The commit charge (GetPerformanceInfo) is the whole machine's, moved by
 * every other process, and a section's pages are charged to no process's
 * own counters; the release assertions that need a figure list POSIX
 * backends only. A case that asks for one ends as ERROR, saying so:
 * release is never judged on a figure the rest of the machine moves.
 */
#include "memory_figure.h"

#define NO_FIGURE "Windows has no exact figure of one case's shared memory (its commit charge is the machine's)"

void mc_memory_join(void)
{
}

struct mc_reply mc_memory_figure_where(MC_WHERE, const char *figure)
{
	mc_broken(file, line, "memory-figure", "no \"%s\" figure: " NO_FIGURE, figure);
}

struct mc_reply mc_memory_settled_where(MC_WHERE, const char *figure, const struct mc_reply *base, int64_t least,
					int64_t most)
{
	(void)base, (void)least, (void)most;
	mc_broken(file, line, "memory-figure", "no \"%s\" figure: " NO_FIGURE, figure);
}
