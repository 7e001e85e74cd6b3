/*
 * Unit tests of the controller's agent client, against the real agent:
 * answers, errors, malformed answers, deaths and timeouts each come out as
 * what they are, and no agent outlives its test.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "agent_client.h"
#include "transcript.h"

static struct mc_agent *start(void)
{
	char why[256] = "";
	struct mc_agent *a = mc_agent_spawn("T", why, sizeof(why));

	if (!a)
		fail_msg("agent did not start: %s", why);
	return a;
}

static bool process_gone(pid_t pid)
{
	return kill(pid, 0) == -1 && errno == ESRCH;
}

static enum mc_call_status call(struct mc_agent *a, struct mc_reply *r, const char *req,
				char *why)
{
	return mc_agent_call(a, r, req, why, 256);
}

static void ok_answer_is_parsed(void **state)
{
	struct mc_agent *a = start();
	struct mc_reply r;
	char why[256];

	(void)state;
	assert_int_equal(call(a, &r, "accounting figure=shmem", why), MC_CALL_ANSWERED);
	assert_true(r.ok);
	assert_non_null(mc_line_get(&r.line, "kb"));
	mc_agent_kill(a);
	assert_true(process_gone(mc_agent_pid(a)));
}

static void error_answer_carries_code_and_native(void **state)
{
	struct mc_agent *a = start();
	struct mc_reply r;
	char why[256];

	(void)state;
	assert_int_equal(call(a, &r, "open backend=posix-shm name=/mapconf-test-never-created access=rw", why),
			 MC_CALL_ANSWERED);
	assert_false(r.ok);
	assert_string_equal(r.code, "not_found");
	assert_string_equal(r.native, "ENOENT");
	mc_agent_kill(a);
}

static void malformed_answer_is_reported(void **state)
{
	struct mc_agent *a = start();
	struct mc_reply r;
	char why[256];

	(void)state;
	/* "garbage here" in hex: the agent sends it back as its whole answer */
	assert_int_equal(call(a, &r, "echo data=67617262616765206865726520", why), MC_CALL_MALFORMED);
	assert_non_null(strstr(why, "garbage here"));
	/* "err" without its fields is malformed too */
	assert_int_equal(call(a, &r, "echo data=657272", why), MC_CALL_MALFORMED);
	mc_agent_kill(a);
}

static void death_is_reported_with_its_signal(void **state)
{
	struct mc_agent *a = start();
	struct mc_reply r;
	char why[256];

	(void)state;
	assert_int_equal(call(a, &r, "crash signal=SEGV", why), MC_CALL_DIED);
	assert_non_null(strstr(why, "SEGV"));
	assert_false(mc_agent_alive(a));
	assert_true(process_gone(mc_agent_pid(a)));
	/* a request to a dead agent is refused at once */
	assert_int_equal(call(a, &r, "accounting figure=shmem", why), MC_CALL_DIED);
}

static void orderly_exit_is_reaped(void **state)
{
	struct mc_agent *a = start();
	struct mc_reply r;
	char why[256], how[128];

	(void)state;
	assert_int_equal(call(a, &r, "exit code=3", why), MC_CALL_ANSWERED);
	assert_true(r.ok);
	struct mc_agent_end end = mc_agent_wait_end(a, how, sizeof(how));
	assert_int_equal(end.kind, MC_END_EXITED);
	assert_int_equal(end.code, 3);
	assert_true(process_gone(mc_agent_pid(a)));
}

static void silence_times_out_and_kills(void **state)
{
	struct mc_agent *a;
	struct mc_reply r;
	char why[256];

	(void)state;
	/* started with the usual bound: on a busy machine an agent may take longer than 0.3 s to start */
	a = start();
	setenv("MAPCONF_REQUEST_TIMEOUT", "0.3", 1);
	assert_int_equal(call(a, &r, "hang", why), MC_CALL_TIMEOUT);
	assert_non_null(strstr(why, "did not answer"));
	assert_false(mc_agent_alive(a));
	assert_true(process_gone(mc_agent_pid(a)));
	unsetenv("MAPCONF_REQUEST_TIMEOUT");
}

static void missing_agent_program_is_reported(void **state)
{
	char why[256] = "";

	(void)state;
	setenv("MAPCONF_AGENT_ARGV", "/nonexistent/mapconf-agent", 1);
	assert_null(mc_agent_spawn("X", why, sizeof(why)));
	assert_non_null(strstr(why, "/nonexistent/mapconf-agent"));
	unsetenv("MAPCONF_AGENT_ARGV");
}

static void kill_all_leaves_no_agent(void **state)
{
	struct mc_agent *a = start(), *b = start();

	(void)state;
	mc_agent_kill_all();
	assert_true(process_gone(mc_agent_pid(a)));
	assert_true(process_gone(mc_agent_pid(b)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ok_answer_is_parsed),
		cmocka_unit_test(error_answer_carries_code_and_native),
		cmocka_unit_test(malformed_answer_is_reported),
		cmocka_unit_test(death_is_reported_with_its_signal),
		cmocka_unit_test(orderly_exit_is_reaped),
		cmocka_unit_test(silence_times_out_and_kills),
		cmocka_unit_test(missing_agent_program_is_reported),
		cmocka_unit_test(kill_all_leaves_no_agent),
	};

	signal(SIGPIPE, SIG_IGN);
	mc_transcript_open("/dev/null");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
