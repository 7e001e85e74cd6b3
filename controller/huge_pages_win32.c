/*
 * Huge pages on Windows: no pool the controller sizes (large pages need
 * SeLockMemoryPrivilege and are asked for per mapping). The huge-page
 * assertions list Linux backends only, which a Windows controller never
 * selects; a case that asks anyway ends as ERROR, never as a pass.
 */
#include "huge_pages.h"

uint64_t mc_huge_pages_free(uint64_t *page_size)
{
	*page_size = 0;   /* "the kernel names no huge page size" */
	return 0;
}

uint64_t mc_reserve_huge_pages_where(MC_WHERE, unsigned int n)
{
	mc_broken(file, line, "huge-pages", "no huge page pool on Windows to reserve %u pages in", n);
}

const char *mc_huge_refusal(bool sysv)
{
	(void)sysv;
	return "no_memory";
}

void mc_huge_pages_give_back(void)
{
}
