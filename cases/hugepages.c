/*
 * Huge pages: pages of another size, asked for by a flag (MFD_HUGETLB,
 * SHM_HUGETLB, MAP_HUGETLB) that a layer could drop without a word. They come from a
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

/* The size asked for where the platform names no huge page size: one huge page of x86-64's default size. */
#define NO_POOL_REQUEST (2ULL << 20)

/*
 * Where the platform names no huge page size, a case that needs huge pages
 * asks for them all the same: a refusal is the platform's own, and ends the
 * case as SKIP with its answer; giving them is a failure, as there is no
 * pool they could come from.
 */
static void platform_without_pool_refuses(struct mc_agent *a)
{
	struct mc_reply r = mc_try_create(a, mc_object_new(NO_POOL_REQUEST), .huge = 1);

	mc_check_answer("no-pool-request-refused", &r, "err",
			"A asks for huge pages where the platform names no huge page size");
	MC_SKIP("huge-pages", "the platform names no huge page size, and refuses huge pages: A's request for one "
		"answered \"%s\"", r.text);
}

/*
 * HUGE-003: With a huge page reserved in the pool (the case raises
 * /proc/sys/vm/nr_hugepages by one and puts it back), a shared anonymous
 * mapping of one huge page (MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB) is made, its
 * page comes from the pool (a page fewer is free once it is written), and a
 * forked child shares it both ways: the child reads its parent's write, and the
 * parent reads the child's. Where the platform names no huge page size, a
 * request for one 2 MiB huge page is made all the same and must be refused (the
 * refusal, the platform's own, ends the case as SKIP).
 */
static void huge_anonymous_region_is_shared_with_child(void)
{
	uint64_t page_size;
	struct mc_agent *a = mc_agent_start("A");

	mc_huge_pages_free(&page_size);
	if (!page_size)
		platform_without_pool_refuses(a);
	page_size = mc_reserve_huge_pages(1);
	struct mc_object *obj = mc_object_new(page_size);
	struct mc_reply made = mc_try_create(a, obj, .huge = 1);

	mc_check_ok("huge-region-made", &made,
		    "A maps a shared anonymous region of one huge page, with one reserved and free");
	uintptr_t va = mc_map(a, mc_handle_of(&made), page_size);
	struct mc_reply before = mc_memory_figure("huge_free");
	mc_write_text(a, va, "on a huge page");
	struct mc_reply after = mc_memory_figure("huge_free");
	mc_check_compare("page-from-the-pool", mc_answered_plus(&after, "kb", page_size / 1024), "<=",
			 mc_answered(&before, "kb"), "free huge pages (kB)");
	struct mc_agent *child = mc_fork(a, "C");
	mc_check_reads("child-reads-parent-write", child, va, "on a huge page");
	mc_write_text(child, va + 100, "the child's write");
	mc_check_reads("parent-reads-child-write", a, va + 100, "the child's write");
}

/*
 * HUGE-004: A shared anonymous mapping of huge pages
 * (MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB) one page larger than the pool has free
 * is refused (no_memory); where the platform names no huge page size (no
 * Hugepagesize in /proc/meminfo), a request for one 2 MiB huge page is refused
 * all the same. A layer that dropped the flag would give ordinary pages.
 */
static void huge_anonymous_request_beyond_pool_is_refused(void)
{
	uint64_t page_size, free_pages = mc_huge_pages_free(&page_size);
	struct mc_object *obj = mc_object_new(page_size ? (free_pages + 1) * page_size : NO_POOL_REQUEST);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_reply r = mc_try_create(a, obj, .huge = 1);

	/* without a pool there are no huge pages to give: any refusal is right, and only giving others is wrong */
	mc_check_answer("huge-request-refused", &r, page_size ? "err code=no_memory" : "err",
			page_size ? "A asks for one huge page more than are free"
				  : "A asks for huge pages where the platform names no huge page size");
}

static const struct mc_case cases[] = {
	MC_CASE("HUGE-001", more_huge_pages_than_are_free_are_refused),
	MC_CASE("HUGE-002", reserved_huge_page_is_shared),
	MC_CASE("HUGE-003", huge_anonymous_region_is_shared_with_child),
	MC_CASE("HUGE-004", huge_anonymous_request_beyond_pool_is_refused),
};
MC_MAIN("hugepages", cases)
