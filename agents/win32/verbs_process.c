/*
 * The agent's own life: exit, crash, and two verbs that exist to test the
 * controller (echo sends back any line, hang never answers). The POSIX
 * verbs that have no Win32 meaning answer "unsupported" with the reason, so
 * a case that needs them is skipped and says why.
 */
#include "agent.h"

#include <stdlib.h>
#include <string.h>

/* exit [code=0] : answers, then ends the process with that status */
static void verb_exit(const struct mc_line *req)
{
	uint64_t code = 0;

	mc_line_get_u64(req, "code", &code);
	answer_ok(NULL);
	ExitProcess((UINT)code);
}

/*
 * crash signal=KILL|SEGV|BUS|ABRT : dies, answering nothing. KILL is
 * TerminateProcess; the others raise the exception that is their Win32
 * counterpart, unguarded, so the unhandled-exception filter ends the agent
 * with the exception code as its exit status.
 */
static void verb_crash(const struct mc_line *req)
{
	const char *name = mc_line_get(req, "signal");

	if (!name || strcmp(name, "KILL") == 0)
		TerminateProcess(GetCurrentProcess(), 137);
	else if (strcmp(name, "SEGV") == 0)
		RaiseException(EXCEPTION_ACCESS_VIOLATION, EXCEPTION_NONCONTINUABLE, 0, NULL);
	else if (strcmp(name, "BUS") == 0)
		RaiseException(EXCEPTION_IN_PAGE_ERROR, EXCEPTION_NONCONTINUABLE, 0, NULL);
	else if (strcmp(name, "ABRT") == 0)
		abort();
	else {
		answer_err("invalid_request", "none", "missing_or_bad=signal");
		return;
	}
	ExitProcess(126);
}

/* echo data=HEX : sends the decoded text back as the whole answer line */
static void verb_echo(const struct mc_line *req)
{
	static char text[MC_DATA_MAX + 1];
	const char *hex = need_str(req, "data");
	long n;

	if (!hex)
		return;
	n = mc_hex_decode(hex, text, MC_DATA_MAX);
	if (n < 0 || memchr(text, '\n', (size_t)n)) {
		answer_err("invalid_request", "none", "missing_or_bad=data");
		return;
	}
	text[n] = '\0';
	answer_raw(text);
}

/* hang : never answers (until killed); tests the controller's timeout */
static void verb_hang(const struct mc_line *req)
{
	(void)req;
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

const struct verb process_verbs[] = {
	{ "exit", verb_exit },
	{ "crash", verb_crash },
	{ "echo", verb_echo },
	{ "hang", verb_hang },
	{ "fork", no_win32_meaning },
	{ "exec", no_win32_meaning },
	{ "become", no_win32_meaning },
	{ "accounting", no_win32_meaning },
	{ "dirty", no_win32_meaning },
	{ "touch", no_win32_meaning },
	{ "umask", no_win32_meaning },
	{ NULL, NULL },
};
