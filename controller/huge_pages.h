/*
 * Huge pages for a case. They come from the machine's pool
 * (/proc/sys/vm/nr_hugepages), which the administrator sizes: a case that
 * needs pages in it raises the pool by what it needs, as root, and puts it
 * back when it ends. What the pool was is written down first, in the file
 * MAPCONF_HUGE_PAGES_RECORD names (the runner's, in the run directory), so
 * that a case killed before it could put it back is mended by the runner
 * at the end of the run, or by the next run's sweep. Cases that use the
 * pool run alone (exclusive in the spec table): one's reservation would
 * change what another counts.
 */
#ifndef MAPCONF_HUGE_PAGES_H
#define MAPCONF_HUGE_PAGES_H

#include "case_end.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * The huge pages free (HugePages_Free of /proc/meminfo, as the controller
 * reads it) and their size in bytes; 0 and 0 where the kernel names no
 * huge page size.
 */
uint64_t mc_huge_pages_free(uint64_t *page_size);
/*
 * n more huge pages in the pool, free, for this case (the answer: their
 * size in bytes); the pool is put back
 * as it was when the case ends. The pool is asked for whoever the case runs
 * as: a kernel with no pool to open SKIPs the case at "huge-pages", a
 * refusal to change it (not root) at "reserve"; a pool that cannot grow by
 * n ends it as ERROR.
 */
uint64_t mc_reserve_huge_pages_where(MC_WHERE, unsigned int n);
/*
 * How a request for more huge pages than are free is refused: "no_memory",
 * or, for SysV (sysv true), "access_denied" where the case may not make
 * SHM_HUGETLB segments at all (no CAP_IPC_LOCK, not in vm.hugetlb_shm_group).
 */
const char *mc_huge_refusal(bool sysv);
/* Put the pool back as the case found it (at the case's end; nothing if it reserved none). */
void mc_huge_pages_give_back(void);

#define mc_reserve_huge_pages(n) mc_reserve_huge_pages_where(MC_HERE, n)

#endif
