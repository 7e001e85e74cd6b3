/*
 * Addresses are per process (C6): a view asked for at a set address is
 * exactly there, or the request fails. The returned address is always
 * compared with the requested one: a system that takes the request as a
 * hint answers "ok" with another address, and that is a failure.
 */
#include "mapconf.h"

#include <stdio.h>
#include <string.h>

/*
 * ADDR-001: A view requested at a free address is exactly there, in each of two
 * agents.
 */
static void view_at_free_address_is_exactly_there(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_agent *both[] = { a, b };
	uintptr_t at = mc_free_address(both, 2, MC_GRANULE);

	struct mc_reply ra = mc_try_map(a, mc_create(a, obj), MC_GRANULE, .at = at);
	mc_check_ok("a-maps-at-free-address", &ra, "A maps at a free address");
	mc_check_compare("a-view-exactly-there", mc_answered(&ra, "addr"), "==", mc_address(at));
	struct mc_reply rb = mc_try_map(b, mc_open(b, obj, "rw"), MC_GRANULE, .at = at);
	mc_check_ok("b-maps-at-same-address", &rb, "B maps at the same address");
	mc_check_compare("b-view-exactly-there", mc_answered(&rb, "addr"), "==", mc_address(at));
}

/*
 * ADDR-002: A pointer chain built by one agent in a view at a set address is
 * walked by another agent whose view is at the same address.
 *
 * What B must find is the chain the controller asked for, not what A says it
 * built.
 */
static void pointer_chain_built_by_a_walks_in_b(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_agent *both[] = { a, b };
	uintptr_t at = mc_free_address(both, 2, MC_GRANULE);

	struct mc_handle ha = mc_create(a, obj);
	/* B's view first: where it lands is what the assertion is about, so it is a check, not a step */
	struct mc_reply rb = mc_try_map(b, mc_open(b, obj, "rw"), MC_GRANULE, .at = at);
	mc_check_ok("b-maps-at-set-address", &rb, "B maps at a free address");
	mc_check_compare("b-view-at-same-address", mc_answered(&rb, "addr"), "==", mc_address(at));
	mc_map(a, ha, MC_GRANULE, .at = at);
	mc_chain_build(a, at, 32, 512);
	struct mc_reply walked = mc_try_chain_walk(b, at);
	mc_check_ok("b-walks-chain", &walked, "B walks A's chain");
	char whole[96];
	snprintf(whole, sizeof(whole), "ok visited=32 sum=%llu", (unsigned long long)mc_chain_sum(32));
	mc_check_answer("chain-walks-whole", &walked, whole, "B walks the 32 nodes A was asked to build");
}

/*
 * A view of one object at a free address *at, holding "the old data", and
 * the answer to a request for a view of another object at that same address.
 */
static struct mc_reply request_over_occupied_range(struct mc_agent *a, uintptr_t *at)
{
	struct mc_object *old = mc_object_new(MC_GRANULE), *new = mc_object_new(MC_GRANULE);

	*at = mc_free_address(&a, 1, MC_GRANULE);
	mc_map(a, mc_create(a, old), MC_GRANULE, .at = *at);
	mc_write_text(a, *at, "the old data");
	return mc_try_map(a, mc_create(a, new), MC_GRANULE, .at = *at);
}

/*
 * ADDR-003: A view requested over an occupied range is refused, and the data
 * already there stays.
 */
static void fixed_view_over_occupied_range_fails(void)
{
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t at;
	struct mc_reply r = request_over_occupied_range(a, &at);

	/* the data first: a platform that maps over the old view must not pass as one that maps elsewhere */
	mc_check_reads("old-data-stays", a, at, "the old data");
	mc_check_answer("request-refused", &r, "err", "A asks for a view over its occupied range");
	mc_check_answer("refused-as-occupied", &r, "err code=already_exists|invalid_address",
			"A asks for a view over its occupied range");
}

/*
 * ADDR-004: A view requested at a misaligned address is refused with
 * invalid_argument.
 */
static void misaligned_fixed_address_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t at = mc_free_address(&a, 1, 2 * MC_GRANULE) + MC_PAGE / 2;

	struct mc_reply r = mc_try_map(a, mc_create(a, obj), MC_GRANULE, .at = at);
	mc_check_error("misaligned-refused", &r, "invalid_argument",
		       "A asks for a view at a misaligned address");
}

/*
 * ADDR-005: A view requested over a range that is partly occupied is refused,
 * and the data there stays.
 */
static void fixed_view_over_partly_occupied_range_fails(void)
{
	struct mc_agent *a = mc_agent_start("A");
	uint64_t granule = mc_view_granule(a);
	struct mc_object *old = mc_object_new(granule), *new = mc_object_new(2 * granule);
	uintptr_t at = mc_free_address(&a, 1, 3 * granule);

	mc_map(a, mc_create(a, old), granule, .at = at + granule);
	mc_write_text(a, at + granule, "the old data");
	struct mc_reply r = mc_try_map(a, mc_create(a, new), 2 * granule, .at = at);
	mc_check_reads("old-data-stays", a, at + granule, "the old data");   /* first: see ADDR-003 */
	mc_check_answer("request-refused", &r, "err", "A asks for two granules, the second occupied");
}

/*
 * ADDR-006: An attach requested over an occupied range is refused (shmat:
 * invalid_argument), and the data there stays.
 */
static void attach_over_occupied_range_fails(void)
{
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t at;
	struct mc_reply r = request_over_occupied_range(a, &at);

	mc_check_reads("old-data-stays", a, at, "the old data");   /* first: see ADDR-003 */
	mc_check_error("attach-refused", &r, "invalid_argument", "A attaches over its occupied range");
}

/*
 * ADDR-007: An attach at a misaligned address with SHM_RND lands at that
 * address rounded down to SHMLBA.
 */
static void rounded_attach_lands_rounded_down(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t at = mc_free_address(&a, 1, 2 * MC_GRANULE);

	struct mc_reply r = mc_try_map(a, mc_create(a, obj), MC_GRANULE, .at = at + 100, .rounded = 1);
	mc_check_ok("rounded-attach-succeeds", &r, "A attaches with SHM_RND at a misaligned address");
	mc_check_compare("lands-rounded-down", mc_answered(&r, "addr"), "==", mc_address(at));
}

static const struct mc_case cases[] = {
	MC_CASE("ADDR-001", view_at_free_address_is_exactly_there),
	MC_CASE("ADDR-002", pointer_chain_built_by_a_walks_in_b),
	MC_CASE("ADDR-003", fixed_view_over_occupied_range_fails),
	MC_CASE("ADDR-004", misaligned_fixed_address_is_refused),
	MC_CASE("ADDR-005", fixed_view_over_partly_occupied_range_fails),
	MC_CASE("ADDR-006", attach_over_occupied_range_fails),
	MC_CASE("ADDR-007", rounded_attach_lands_rounded_down),
};
MC_MAIN("addresses", cases)
