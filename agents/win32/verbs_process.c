/*
 * The agent's own life on Win32: how it ends (for the verbs every agent
 * shares, agents/common/verbs_process.c). The POSIX verbs that have no
 * Win32 meaning answer "unsupported" with the reason, so a case that needs
 * them is skipped and says why.
 */
#include "agent.h"

#include <stdlib.h>
#include <string.h>

void agent_exit(int code)
{
	ExitProcess((UINT)code);
}

/*
 * KILL is TerminateProcess; the others raise the exception that is their
 * Win32 counterpart, unguarded, so the unhandled-exception filter ends the
 * agent with the exception code as its exit status.
 */
void agent_crash(enum crash how)
{
	switch (how) {
	case CRASH_KILL:
		TerminateProcess(GetCurrentProcess(), 137);
		break;
	case CRASH_SEGV:
		RaiseException(EXCEPTION_ACCESS_VIOLATION, EXCEPTION_NONCONTINUABLE, 0, NULL);
		break;
	case CRASH_BUS:
		RaiseException(EXCEPTION_IN_PAGE_ERROR, EXCEPTION_NONCONTINUABLE, 0, NULL);
		break;
	case CRASH_ABRT:
		abort();
	}
	ExitProcess(126);
}

void agent_hang(void)
{
	for (;;)
		Sleep(INFINITE);
}

static void no_win32_meaning(const struct mc_line *req)
{
	const char *why = "no_win32_counterpart";

	if (strcmp(req->word, "fork") == 0)
		why = "win32_has_no_fork_see_spawn";
	else if (strcmp(req->word, "exec") == 0)
		why = "win32_has_no_exec";
	else if (strcmp(req->word, "become") == 0)
		why = "win32_has_no_uid";
	else if (strcmp(req->word, "accounting") == 0)
		why = "no_per_object_memory_figure";
	else if (strcmp(req->word, "dirty") == 0)
		why = "no_dirty_page_figure";
	answer_err("unsupported", "none", "detail=%s", why);
}

const struct verb own_process_verbs[] = {
	{ "fork", no_win32_meaning },
	{ "exec", no_win32_meaning },
	{ "become", no_win32_meaning },
	{ "accounting", no_win32_meaning },
	{ "dirty", no_win32_meaning },
	{ "touch", no_win32_meaning },
	{ "umask", no_win32_meaning },
	{ NULL, NULL },
};
