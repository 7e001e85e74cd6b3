/*
 * The agent's own life, the same in every agent: exit, crash, and two verbs
 * that exist to test the controller (echo sends back any line, hang never
 * answers). How the process ends is each agent's (agent_system.h).
 */
#include "agent_common.h"
#include "agent_system.h"

#include <string.h>

/* exit [code=0] : answers, then ends the process with that status */
static void verb_exit(const struct mc_line *req)
{
	uint64_t code = 0;

	mc_line_get_u64(req, "code", &code);
	answer_ok(NULL);
	agent_exit((int)code);
}

static const char *const crash_names[] = {
	[CRASH_KILL] = "KILL", [CRASH_SEGV] = "SEGV", [CRASH_BUS] = "BUS", [CRASH_ABRT] = "ABRT",
};

/* crash signal=KILL|SEGV|BUS|ABRT : dies that way (KILL when not given), answering nothing */
static void verb_crash(const struct mc_line *req)
{
	const char *name = mc_line_get(req, "signal");

	if (!name)
		agent_crash(CRASH_KILL);
	for (size_t i = 0; i < sizeof(crash_names) / sizeof(crash_names[0]); i++)
		if (strcmp(name, crash_names[i]) == 0)
			agent_crash((enum crash)i);
	answer_err("invalid_request", "none", "missing_or_bad=signal");
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
	agent_hang();
}

const struct verb process_verbs[] = {
	{ "exit", verb_exit },
	{ "crash", verb_crash },
	{ "echo", verb_echo },
	{ "hang", verb_hang },
	{ NULL, NULL },
};
