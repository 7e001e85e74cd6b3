/*
 * The memory of the objects a case made, measured by the controller itself
 * (never asked of an agent, whose platform is the one under test), from the
 * figure the runner names in MAPCONF_MEMORY:
 *
 *   cgroup:DIR  the case's own memory cgroup. The controller joins it before
 *               it starts its first agent, so every page the case's agents
 *               bring in is charged there and nothing else is: memory.stat's
 *               shmem for shared memory, and mapped_file (v1) or file_mapped
 *               (v2) for mapped file pages. Exact to the page once the
 *               kernel has folded in its per-CPU counts, which it does in
 *               batches and at the latest every 2 s: a release case reads
 *               the figure until it shows what it should, within a bound
 *               (mc_memory_kb_settled).
 *   meminfo     /proc/meminfo's Shmem and Mapped, for a case that has a
 *               machine to itself (a sandbox of its own).
 *   none:WHY    no exact figure here.
 *
 * One figure is the machine's whatever the source: "huge_free", the huge
 * pages free in the pool (HugePages_Free times Hugepagesize), in kB.
 *
 * A case that needs a figure where there is none ends as ERROR, saying why:
 * release is never judged on a figure the rest of the machine moves.
 */
#ifndef MAPCONF_MEMORY_FIGURE_H
#define MAPCONF_MEMORY_FIGURE_H

#include "case_end.h"
#include "reply.h"

#include <stdint.h>

/* Join the case's memory cgroup, once, before the first agent starts. */
void mc_memory_join(void);
/* The figure in kB, as an answer "ok kb=N": "shmem" (shared memory), "mapped" (mapped file pages) or "huge_free". */
struct mc_reply mc_memory_figure_where(MC_WHERE, const char *figure);
/*
 * The figure once it is within base+least..base+most kB (least may be
 * -MC_UNBOUNDED: down to 0; most MC_UNBOUNDED: no limit), read again while it is not, for at most 2.5 s (a cgroup)
 * or 1.2 s (meminfo): the figures trail a change by up to a batch of the
 * kernel's per-CPU counts. The last value read, in or out of the range.
 */
#define MC_UNBOUNDED INT64_MAX
struct mc_reply mc_memory_settled_where(MC_WHERE, const char *figure, const struct mc_reply *base, int64_t least,
					int64_t most);

#define mc_memory_figure(figure) mc_memory_figure_where(MC_HERE, figure)
#define mc_memory_settled(figure, base, least, most) mc_memory_settled_where(MC_HERE, figure, base, least, most)

#endif
