/*
 * Huge pages: pages of another size, asked for by a flag (MFD_HUGETLB,
 * SHM_HUGETLB) that a layer could drop without a word. They come from a
 * pool the administrator reserves, so a request for more than the pool has
 * free must fail: a layer that dropped the flag would give ordinary pages
 * and succeed.
 */
#include "mapconf.h"
#include "objects.h"

/*
 * HUGE-001: a request for one huge page more than are free is refused
 * (no_memory): by shmget at creation, or, for a memfd, whose pages are
 * reserved when it is mapped, by mmap.
 */
static void more_huge_pages_than_are_free_are_refused(void)
{
	uint64_t page_size, free_pages = mc_huge_pages_free(&page_size);

	if (!page_size)
		MC_SKIP("huge-pages", "the kernel's /proc/meminfo names no huge page size: it has no huge pages");
	struct mc_object *obj = mc_object_new((free_pages + 1) * page_size);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_reply r = mc_try_create_huge(a, obj);

	if (r.ok)
		r = mc_try_map(a, mc_handle_of(&r), obj->size, "rw");
	mc_check_error("huge-request-refused", &r, "no_memory", "A asks for one huge page more than are free");
}

static const struct mc_case cases[] = {
	MC_CASE("HUGE-001", more_huge_pages_than_are_free_are_refused),
};
MC_MAIN("hugepages", cases)
