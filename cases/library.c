/*
 * Library allocation is the caller's (C2): two agents that share an object
 * load the same test library; what the library allocates, and its ordinary
 * global, belong to each process alone.
 */
#include "mapconf.h"

/*
 * LIB-001: Memory a shared library allocates in one agent is not reachable by
 * another agent that loaded the library too.
 */
static void library_allocation_is_private(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	const char *marker = mc_marker("library");

	mc_share_object(a, b);
	mc_lib_load(b);
	uintptr_t addr = mc_lib_alloc(a, 4096);
	mc_write_text(a, addr, marker);
	mc_check_unreachable("library-allocation-unreachable", b, addr, marker);
}

/*
 * LIB-002: Setting a shared library's global in one agent leaves another
 * agent's copy of it unchanged.
 */
static void library_global_is_per_process(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	struct mc_reply before = mc_lib_global(b);
	mc_lib_set(a, 4242);
	struct mc_reply after = mc_lib_global(b);
	mc_check_compare("b-global-unchanged", mc_answered(&after, "value"), "==", mc_answered(&before, "value"));
}

/* x fills an allocation of size from its library with seed and gives it back, for the allocator to hand out again. */
static void lib_dirty(struct mc_agent *x, uint64_t size, uint64_t seed)
{
	uintptr_t dirtied = mc_lib_alloc(x, size);

	mc_fill(x, dirtied, size, seed);
	mc_lib_free(x, dirtied);
}

/*
 * LIB-003: A shared library's allocation starts as zeros, even after another
 * agent filled its own allocation of that size.
 *
 * A fills an allocation made the way B's will be; B allocates where its
 * allocator holds memory B dirtied, so the zeros are the allocation's own, not
 * memory nobody touched.
 */
static void library_allocation_starts_clean(void)
{
	static const unsigned char zeros[4096];
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	lib_dirty(a, sizeof(zeros), 5);
	mc_fill(a, mc_lib_alloc(a, sizeof(zeros)), sizeof(zeros), 5);
	lib_dirty(b, sizeof(zeros), 6);
	uintptr_t allocation = mc_lib_alloc(b, sizeof(zeros));
	struct mc_reply r = mc_checksum(b, allocation, sizeof(zeros));
	mc_check_compare("allocation-starts-zero", mc_answered(&r, "sum"), "==",
			 mc_number(mc_range_sum(zeros, sizeof(zeros))));
}

static const struct mc_case cases[] = {
	MC_CASE("LIB-001", library_allocation_is_private),
	MC_CASE("LIB-002", library_global_is_per_process),
	MC_CASE("LIB-003", library_allocation_starts_clean),
};
MC_MAIN("library", cases)
