/*
 * The agent's own life on POSIX: how it ends (for the verbs every agent
 * shares, agents/common/verbs_process.c), the user it runs as, and the
 * platform's memory figures (accounting, dirty pages).
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void agent_exit(int code)
{
	_exit(code);
}

static const int crash_signals[] = {
	[CRASH_KILL] = SIGKILL, [CRASH_SEGV] = SIGSEGV, [CRASH_BUS] = SIGBUS, [CRASH_ABRT] = SIGABRT,
};

/* by the signal itself, with its default action: the controller sees the agent die of it */
void agent_crash(enum crash how)
{
	signal(crash_signals[how], SIG_DFL);
	raise(crash_signals[how]);
	_exit(126);
}

void agent_hang(void)
{
	for (;;)
		pause();
}

/* The value in kB of one "Key: N kB" line of a /proc file, or -1. */
static long long proc_kb(const char *path, const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long kb = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			kb = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/*
 * accounting figure=shmem|mapped : a system-wide memory figure, as the agent
 * sees it (Linux: /proc/meminfo Shmem or Mapped). The release checks do not
 * ask an agent: the controller measures the case's own pages itself
 * (controller/memory_figure.h).
 */
static void verb_accounting(const struct mc_line *req)
{
	const char *figure = mc_line_get(req, "figure");
	const char *key;
	long long kb;

	if (figure && strcmp(figure, "shmem") == 0)
		key = "Shmem";
	else if (figure && strcmp(figure, "mapped") == 0)
		key = "Mapped";
	else {
		answer_err("invalid_request", "none", "missing_or_bad=figure");
		return;
	}
	kb = proc_kb("/proc/meminfo", key);
	if (kb < 0) {
		/* a figure the harness cannot read is a measurement that cannot be made (ERROR) */
		answer_err("other", "none", "detail=no_%s_in_proc_meminfo", key);
		return;
	}
	answer_ok("kb=%lld", kb);
}

/*
 * dirty addr= : dirty kB of the mapping that contains addr, from
 * /proc/self/smaps (Shared_Dirty + Private_Dirty).
 */
static void verb_dirty(const struct mc_line *req)
{
	char line[512];
	uintptr_t addr;
	bool inside = false, found = false;
	long long kb = 0;
	FILE *f;

	if (need_addr(req, "addr", &addr))
		return;
	f = fopen("/proc/self/smaps", "r");
	if (!f) {
		answer_err("other", "none", "detail=no_proc_self_smaps");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		long long v;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			inside = addr >= lo && addr < hi;
			found |= inside;
		} else if (inside && (sscanf(line, "Shared_Dirty: %lld", &v) == 1 ||
				      sscanf(line, "Private_Dirty: %lld", &v) == 1)) {
			kb += v;
		}
	}
	fclose(f);
	if (!found)
		answer_err("not_found", "none", "detail=no_mapping_at_addr");
	else
		answer_ok("kb=%lld", kb);
}

/*
 * become uid= gid= : drop to another user for good. The system is asked, as
 * for any operation: where it refuses the change (EPERM: the agent is not
 * root, or lacks CAP_SETUID and CAP_SETGID), the answer is "unsupported" with
 * that errno, and a case that needs it is skipped. Which uid the agent runs
 * as never decides it.
 */
static void verb_become(const struct mc_line *req)
{
	uint64_t uid, gid;

	if (need_u64(req, "uid", &uid) || need_u64(req, "gid", &gid))
		return;
	if (setgroups(0, NULL) || setgid((gid_t)gid) || setuid((uid_t)uid)) {
		if (errno == EPERM)
			answer_err("unsupported", "EPERM", "errno=%d detail=not_permitted_to_change_uid", errno);
		else
			answer_errno(errno);
		return;
	}
	answer_ok("uid=%ld gid=%ld", (long)getuid(), (long)getgid());
}

const struct verb own_process_verbs[] = {
	{ "accounting", verb_accounting },
	{ "dirty", verb_dirty },
	{ "become", verb_become },
	{ NULL, NULL },
};
