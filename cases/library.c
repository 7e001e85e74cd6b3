/*
 * Library allocation is the caller's (C2): two agents that share an object
 * load the same test library; what the library allocates, and its ordinary
 * global, belong to each process alone.
 */
#include "mapconf.h"

/* LIB-001: memory the library allocates in one agent is not reachable by another that loaded it too. */
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

/* LIB-002: setting the library's global in one agent leaves another agent's copy as it was. */
static void library_global_is_per_process(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	uint64_t before = mc_lib_global(b);
	mc_lib_set(a, 4242);
	uint64_t after = mc_lib_global(b);
	MC_CHECK("b-global-unchanged", after == before,
		 "B's copy of the library global changed when A set its own: %llu, then %llu",
		 (unsigned long long)before, (unsigned long long)after);
}

/* LIB-003: a library allocation starts as zeros, even after another agent filled its own allocation of that size. */
static void library_allocation_starts_clean(void)
{
	static const unsigned char zeros[4096];
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	mc_fill(a, mc_lib_alloc(a, sizeof(zeros)), sizeof(zeros), 5);
	uintptr_t allocation = mc_lib_alloc(b, sizeof(zeros));
	uint64_t sum = mc_checksum(b, allocation, sizeof(zeros));
	MC_CHECK("allocation-starts-zero", sum == mc_fnv1a(zeros, sizeof(zeros), MC_FNV_OFFSET),
		 "B's new library allocation at 0x%lx is not zeros after A filled its own",
		 (unsigned long)allocation);
}

static const struct mc_case cases[] = {
	MC_CASE("LIB-001", library_allocation_is_private),
	MC_CASE("LIB-002", library_global_is_per_process),
	MC_CASE("LIB-003", library_allocation_starts_clean),
};
MC_MAIN("library", cases)
