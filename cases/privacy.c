/*
 * Private allocation (C1): while two agents share an object, what one of
 * them gets from its ordinary allocators stays its own. B looks at the very
 * address A's memory has: it must fault there, or find something else.
 */
#include "mapconf.h"

static void check_allocation_is_private(const char *kind, uint64_t size)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	mc_check_allocation_private("allocation-unreachable", a, b, kind, size);
}

/*
 * PRIV-001: While two agents share an object, small heap memory (malloc)
 * written by one is not reachable by the other at its address.
 */
static void small_heap_is_private(void)
{
	check_allocation_is_private("heap", 64);
}

/*
 * PRIV-002: While two agents share an object, a large heap block (1 MiB, mapped
 * by the C library) of one is not reachable by the other.
 */
static void large_heap_is_private(void)
{
	check_allocation_is_private("large", 1 << 20);
}

/*
 * PRIV-003: While two agents share an object, a private anonymous mapping
 * (Win32: VirtualAlloc) of one is not reachable by the other.
 */
static void anonymous_private_mapping_is_private(void)
{
	check_allocation_is_private("anon", MC_PAGE);
}

/*
 * PRIV-004: Heap memory a forked child writes at its parent's heap address
 * stays the child's, while their view stays shared.
 */
static void heap_is_private_after_fork(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *parent = mc_agent_start("P");
	const char *marker = mc_marker("parent");
	uintptr_t view = mc_create_map(parent, obj);
	uintptr_t heap = mc_alloc(parent, "heap", 64);

	mc_write_text(parent, heap, marker);
	struct mc_agent *child = mc_fork(parent, "C");
	/* the view is shared with the child, so only the heap can be told apart */
	mc_write_text(child, view, "shared with the child");
	mc_check_reads("view-still-shared", parent, view, "shared with the child");
	mc_write_text(child, heap, "the child's heap");
	mc_check_reads("parent-heap-unchanged", parent, heap, marker);
}

static const struct mc_case cases[] = {
	MC_CASE("PRIV-001", small_heap_is_private),
	MC_CASE("PRIV-002", large_heap_is_private),
	MC_CASE("PRIV-003", anonymous_private_mapping_is_private),
	MC_CASE("PRIV-004", heap_is_private_after_fork),
};
MC_MAIN("privacy", cases)
