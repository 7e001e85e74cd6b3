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
	mc_step(b, "lib op=load");
	struct mc_reply r = mc_step(a, "lib op=alloc size=4096");
	uintptr_t addr = (uintptr_t)mc_field_u64(&r, "addr");
	mc_write_text(a, addr, marker);
	mc_check_unreachable(b, addr, marker);
}

/* LIB-002: setting the library's global in one agent leaves another agent's copy as it was. */
static void library_global_is_per_process(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	struct mc_reply before = mc_step(b, "lib op=global");
	mc_step(a, "lib op=set value=4242");
	struct mc_reply after = mc_step(b, "lib op=global");
	MC_CHECK(mc_field_u64(&after, "value") == mc_field_u64(&before, "value"),
		 "B's copy of the library global changed when A set its own: \"%s\", then \"%s\"",
		 before.text, after.text);
}

/* LIB-003: a library allocation starts as zeros, even after another agent filled its own allocation of that size. */
static void library_allocation_starts_clean(void)
{
	static const unsigned char zeros[4096];
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	struct mc_reply ra = mc_step(a, "lib op=alloc size=4096");
	mc_fill(a, (uintptr_t)mc_field_u64(&ra, "addr"), sizeof(zeros), 5);
	struct mc_reply rb = mc_step(b, "lib op=alloc size=4096");
	uint64_t sum = mc_checksum(b, (uintptr_t)mc_field_u64(&rb, "addr"), sizeof(zeros));
	MC_CHECK(sum == mc_fnv1a(zeros, sizeof(zeros), MC_FNV_OFFSET),
		 "B's new library allocation at 0x%llx is not zeros after A filled its own",
		 (unsigned long long)mc_field_u64(&rb, "addr"));
}

static const struct mc_case cases[] = {
	MC_CASE("LIB-001", library_allocation_is_private),
	MC_CASE("LIB-002", library_global_is_per_process),
	MC_CASE("LIB-003", library_allocation_starts_clean),
};
MC_MAIN("library", cases)
