/*
 * Cases that break on purpose, one way each, for the runner's selftest
 * (with selftest/broken_cases/broken.toml): every way a case can go wrong must come
 * out as the right outcome, with its evidence, and the run must go on.
 */
#include "mapconf.h"
/* raw requests: these cases need some no case would make */
#include "requests.h"

#include <signal.h>
#include <unistd.h>

/* BRK-001: a case that passes (the control). */
static void passes(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_write_text(a, mc_create_map(a, obj), "control");
	MC_CHECK(1 == 1, "never");
}

/* BRK-002: the agent is killed in the middle of the case. */
static void agent_killed_mid_case(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	mc_try(a, "crash signal=KILL");
	mc_check_reads(a, va, "never read");
}

/* BRK-003: the agent answers with a line that is not an answer. */
static void agent_answers_garbage(void)
{
	struct mc_agent *a = mc_agent_start("A");

	/* "<not an answer>" in hex */
	mc_try(a, "echo data=3c6e6f7420616e20616e737765723e");
	MC_CHECK(0, "a malformed answer was taken as an answer");
}

/* BRK-004: the agent never answers. */
static void agent_never_answers(void)
{
	struct mc_agent *a = mc_agent_start("A");

	mc_try(a, "hang");
	MC_CHECK(0, "a request that was never answered returned");
}

/* BRK-005: a case that checks nothing. */
static void checks_nothing(void)
{
	mc_agent_start("A");
}

/* BRK-006: a check that does not hold. */
static void check_fails(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_check_reads(a, mc_create_map(a, obj), "not what a new object holds");
}

/* BRK-007: the controller itself crashes. */
static void controller_crashes(void)
{
	mc_agent_start("A");
	raise(SIGKILL);
}

/* BRK-008: the controller hangs, and must be stopped by the runner. */
static void controller_hangs(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_create_map(a, obj);
	for (;;)
		pause();
}

/* BRK-009: the platform lacks a backend. */
static void backend_missing(void)
{
	struct mc_agent *a = mc_agent_start("A");

	mc_step(a, "no_such_verb");
	MC_CHECK(0, "a step the agent does not support returned");
}

static const struct mc_case cases[] = {
	MC_CASE("BRK-001", passes),
	MC_CASE("BRK-002", agent_killed_mid_case),
	MC_CASE("BRK-003", agent_answers_garbage),
	MC_CASE("BRK-004", agent_never_answers),
	MC_CASE("BRK-005", checks_nothing),
	MC_CASE("BRK-006", check_fails),
	MC_CASE("BRK-007", controller_crashes),
	MC_CASE("BRK-008", controller_hangs),
	MC_CASE("BRK-009", backend_missing),
};
MC_MAIN("broken", cases)
