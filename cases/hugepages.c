/*
 * Huge pages: pages of another size, asked for by a flag (MFD_HUGETLB,
 * SHM_HUGETLB) that a layer could drop without a word. They come from a
 * pool the administrator reserves, so a request for more than the pool has
 * free must fail: a layer that dropped the flag would give ordinary pages
 * and succeed.
 */
#include "mapconf.h"
#include "huge_pages.h"
#include "memory_figure.h"

#include <string.h>

/* The huge page size of x86-64 and arm64 kernels, asked for where the kernel names none */
#define USUAL_HUGE_PAGE (2ULL << 20)

/*
 * HUGE-001: A request for one huge page more than the pool has free
 * (MFD_HUGETLB, SHM_HUGETLB) is refused (no_memory): by shmget at creation, or,
 * for a memfd, by mmap, which reserves its pages; a SysV request from a process
 * Linux lets make no SHM_HUGETLB segment at all (without CAP_IPC_LOCK, outside
 * the group vm.hugetlb_shm_group names) is refused for that first
 * (access_denied). A layer that dropped the flag would give ordinary pages.
 */
static void more_huge_pages_than_are_free_are_refused(void)
{
	uint64_t page_size, free_pages = mc_huge_pages_free(&page_size);
	/* where /proc/meminfo names no huge page size, the platform is asked all the same, for one page of the
	 * usual size: a kernel without huge pages refuses the flag itself, and a layer that drops it is seen */
	struct mc_object *obj = mc_object_new((free_pages + 1) * (page_size ? page_size : USUAL_HUGE_PAGE));
	struct mc_agent *a = mc_agent_start("A");
	struct mc_reply r = mc_try_create(a, obj, .huge = 1);

	if (r.ok)
		r = mc_try_map(a, mc_handle_of(&r), obj->size);
	if (!r.ok && strcmp(r.code, "unsupported") == 0)
		MC_SKIP("huge-pages", "the platform has no huge pages: A's request answers %s", r.text);
	mc_check_error("huge-request-refused", &r, mc_huge_refusal(strcmp(mc_backend()->name, "sysv") == 0),
		       "A asks for one huge page more than are free");
}

/*
 * HUGE-002: With a huge page reserved in the pool (the case raises
 * /proc/sys/vm/nr_hugepages by one and puts it back), an object of one huge
 * page is made and mapped (MFD_HUGETLB, SHM_HUGETLB), its page comes from the
 * pool (a page fewer is free once it is written), and another process's view
 * reads what was written.
 */
static void reserved_huge_page_is_shared(void)
{
	uint64_t page_size = mc_reserve_huge_pages(1);
	struct mc_object *obj = mc_object_new(page_size);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_reply made = mc_try_create(a, obj, .huge = 1);

	mc_check_ok("huge-object-made", &made, "A creates an object of one huge page, with one reserved and free");
	struct mc_reply view = mc_try_map(a, mc_handle_of(&made), page_size);
	mc_check_ok("huge-view-made", &view, "A maps its object of one huge page");
	struct mc_reply before = mc_memory_figure("huge_free");
	mc_write_text(a, mc_field_u64(&view, "addr"), "on a huge page");
	struct mc_reply after = mc_memory_figure("huge_free");
	mc_check_compare("page-from-the-pool", mc_answered_plus(&after, "kb", page_size / 1024), "<=",
			 mc_answered(&before, "kb"), "free huge pages (kB)");
	mc_check_reads("b-reads-a-write", b, mc_map(b, mc_open(b, obj, "rw"), page_size), "on a huge page");
}

static const struct mc_case cases[] = {
	MC_CASE("HUGE-001", more_huge_pages_than_are_free_are_refused),
	MC_CASE("HUGE-002", reserved_huge_page_is_shared),
};
MC_MAIN("hugepages", cases)
