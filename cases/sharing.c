/*
 * Sharing needs a mapping (C3): between unrelated processes, memory is
 * shared through a view of a mapping object and nothing else: not through
 * anonymous shared memory, not through a handle alone, and a view stays
 * shared after the handle it came from is closed.
 */
#include "mapconf.h"

/*
 * SHARE-001: Anonymous shared memory (MAP_SHARED|MAP_ANONYMOUS; Win32: a view
 * of an unnamed section) of one agent is not reachable by an unrelated agent.
 */
static void anonymous_shared_memory_needs_fork(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	const char *marker = mc_marker("anonymous");

	mc_share_object(a, b);
	uintptr_t addr = mc_alloc(a, "shared-anon", MC_PAGE);
	mc_write_text(a, addr, marker);
	mc_check_unreachable("anonymous-shared-unreachable", b, addr, marker);
}

/*
 * SHARE-002: An agent that opened the object but has no view faults at the
 * address of another agent's view.
 */
static void handle_without_view_reaches_nothing(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_agent *both[] = { a, b };
	uintptr_t at = mc_free_address(both, 2, MC_GRANULE);
	const char *marker = mc_marker("viewed");

	mc_map(a, mc_create(a, obj), MC_GRANULE, .at = at);
	mc_open(b, obj, "rw");
	mc_write_text(a, at, marker);
	mc_check_faults("no-view-read-faults", b, at, "read");
}

/* SHARE-003: Views stay shared after every handle to the object is closed. */
static void views_stay_shared_after_handles_close(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle ha = mc_create(a, obj), hb = mc_open(b, obj, "rw");
	uintptr_t va = mc_map(a, ha, MC_PAGE), vb = mc_map(b, hb, MC_PAGE);
	const char *marker = mc_marker("after-close");

	mc_close(a, ha);
	mc_close(b, hb);
	mc_check_writes("a-writes-after-handles-close", a, va, marker);
	mc_check_reads("b-reads-after-handles-close", b, vb, marker);
}

static const struct mc_case cases[] = {
	MC_CASE("SHARE-001", anonymous_shared_memory_needs_fork),
	MC_CASE("SHARE-002", handle_without_view_reaches_nothing),
	MC_CASE("SHARE-003", views_stay_shared_after_handles_close),
};
MC_MAIN("sharing", cases)
