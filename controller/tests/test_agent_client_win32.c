/*
 * Unit tests of the controller's Win32 agent client, built with mingw-w64
 * and run under Wine against the real Win32 agent (the one built beside
 * this program: ..\agent\mapconf-agent.exe): it announces itself, answers,
 * a silent agent is a timeout within its bound, an agent told to exit is
 * waited for, and no agent outlives its test. Whether a process has ended
 * is asked of Windows, through a handle on the pid its ready line gives.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
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

/* The agent's process, from the pid its ready line gives, to ask Windows whether it has ended. */
static HANDLE process_of(const struct mc_agent *a)
{
	const char *pid = strstr(mc_agent_ready(a), " pid=");
	HANDLE process = pid ? OpenProcess(SYNCHRONIZE, FALSE, (DWORD)strtoul(pid + 5, NULL, 10)) : NULL;

	assert_non_null(process);
	return process;
}

/* Ended, and the handle let go. */
static bool ended(HANDLE process)
{
	bool gone = WaitForSingleObject(process, 0) == WAIT_OBJECT_0;

	CloseHandle(process);
	return gone;
}

static enum mc_call_status call(struct mc_agent *a, struct mc_reply *r, const char *req, char *why)
{
	return mc_agent_call(a, r, req, why, 256);
}

static void agent_announces_itself(void **state)
{
	struct mc_agent *a = start();
	HANDLE process = process_of(a);

	(void)state;
	assert_true(strncmp(mc_agent_ready(a), "ready pid=", 10) == 0);
	assert_non_null(strstr(mc_agent_ready(a), " api=win32"));
	assert_true(mc_agent_alive(a));
	assert_int_equal(WaitForSingleObject(process, 0), WAIT_TIMEOUT);
	mc_agent_kill(a);
	assert_true(ended(process));
}

/* A section made, mapped, written and read back: each answer parsed into its fields. */
static void requests_are_answered(void **state)
{
	struct mc_agent *a = start();
	struct mc_reply r;
	char why[256], request[160], handle[16], addr[32];

	(void)state;
	snprintf(request, sizeof(request), "create backend=win32-section name=mapconf-client-test-%lu size=4096",
		 (unsigned long)GetCurrentProcessId());
	assert_int_equal(call(a, &r, request, why), MC_CALL_ANSWERED);
	assert_true(r.ok);
	snprintf(handle, sizeof(handle), "%s", mc_line_get(&r.line, "handle"));
	snprintf(request, sizeof(request), "map handle=%s length=4096 prot=rw", handle);
	assert_int_equal(call(a, &r, request, why), MC_CALL_ANSWERED);
	assert_true(r.ok);
	snprintf(addr, sizeof(addr), "%s", mc_line_get(&r.line, "addr"));
	snprintf(request, sizeof(request), "write addr=%s data=6d6170636f6e66", addr);
	assert_int_equal(call(a, &r, request, why), MC_CALL_ANSWERED);
	assert_true(r.ok);
	snprintf(request, sizeof(request), "read addr=%s length=7", addr);
	assert_int_equal(call(a, &r, request, why), MC_CALL_ANSWERED);
	assert_true(r.ok);
	assert_string_equal(mc_line_get(&r.line, "data"), "6d6170636f6e66");
	/* and an error, with its portable code */
	assert_int_equal(call(a, &r, "open backend=win32-section name=mapconf-client-test-never-made access=rw", why),
			 MC_CALL_ANSWERED);
	assert_false(r.ok);
	assert_string_equal(r.code, "not_found");
	mc_agent_kill(a);
}

static void silence_times_out_within_its_bound(void **state)
{
	struct mc_agent *a;
	struct mc_reply r;
	char why[256];
	HANDLE process;
	ULONGLONG started, took;

	(void)state;
	/* started with the usual bound: under Wine, on a busy machine, a start can take longer than 0.5 s */
	a = start();
	process = process_of(a);
	_putenv("MAPCONF_REQUEST_TIMEOUT=0.5");
	started = GetTickCount64();
	assert_int_equal(call(a, &r, "hang", why), MC_CALL_TIMEOUT);
	took = GetTickCount64() - started;
	_putenv("MAPCONF_REQUEST_TIMEOUT=");
	assert_non_null(strstr(why, "did not answer"));
	/* its bound, not the usual 10 s: the agent is ended, not waited for (room for a busy machine) */
	assert_true(took >= 450);
	assert_true(took < 8000);
	assert_false(mc_agent_alive(a));
	assert_true(ended(process));
}

static void exit_is_waited_for_and_reported(void **state)
{
	struct mc_agent *a = start();
	HANDLE process = process_of(a);
	struct mc_reply r;
	char why[256], how[128];
	struct mc_agent_end end;

	(void)state;
	assert_int_equal(call(a, &r, "exit code=3", why), MC_CALL_ANSWERED);
	assert_true(r.ok);
	end = mc_agent_wait_end(a, how, sizeof(how));
	assert_int_equal(end.kind, MC_END_EXITED);
	assert_int_equal(end.code, 3);
	assert_false(mc_agent_alive(a));
	assert_true(ended(process));
	/* a request to an agent that has ended is refused at once */
	assert_int_equal(call(a, &r, "echo data=6f6b", why), MC_CALL_DIED);
}

static void missing_agent_program_is_reported(void **state)
{
	char why[256] = "";

	(void)state;
	_putenv("MAPCONF_AGENT_ARGV=C:\\nonexistent\\mapconf-agent.exe");
	assert_null(mc_agent_spawn("X", why, sizeof(why)));
	_putenv("MAPCONF_AGENT_ARGV=");
	assert_non_null(strstr(why, "C:\\nonexistent\\mapconf-agent.exe"));
}

static void kill_all_leaves_no_process(void **state)
{
	struct mc_agent *a = start(), *b = start();
	HANDLE pa = process_of(a), pb = process_of(b);

	(void)state;
	mc_agent_kill_all();
	assert_false(mc_agent_alive(a));
	assert_false(mc_agent_alive(b));
	assert_true(ended(pa));
	assert_true(ended(pb));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(agent_announces_itself),
		cmocka_unit_test(requests_are_answered),
		cmocka_unit_test(silence_times_out_within_its_bound),
		cmocka_unit_test(exit_is_waited_for_and_reported),
		cmocka_unit_test(missing_agent_program_is_reported),
		cmocka_unit_test(kill_all_leaves_no_process),
	};

	/* the agent built beside this program, whatever the environment names */
	_putenv("MAPCONF_AGENT_ARGV=");
	mc_transcript_open("NUL");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
