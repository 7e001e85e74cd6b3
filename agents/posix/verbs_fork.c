/*
 * Inheritance: exec replaces the agent's program; fork makes a new agent that inherits this one's views and
 * handles. The child connects to the controller's socket (connect=PATH),
 * serves requests on that connection from then on, and announces itself
 * there with "ready"; the parent answers with the child's pid. adopt names
 * a descriptor the process holds without having opened it.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	if (s < 0 || strlen(path) >= sizeof(addr.sun_path))
		return -1;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr))) {
		close(s);
		return -1;
	}
	return s;
}

/* fork connect=PATH : answers pid= of the child agent, which talks on PATH */
static void verb_fork(const struct mc_line *req)
{
	const char *path = need_str(req, "connect");
	pid_t parent = getpid();
	pid_t child;

	if (!path)
		return;
	fflush(stdout);
	child = fork();
	if (child < 0) {
		answer_errno(errno);
		return;
	}
	if (child > 0) {
		answer_ok("pid=%ld", (long)child);
		return;
	}
	/* the child: its requests come over the socket from now on */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	int s = connect_to(path);
	if (s < 0 || dup2(s, 0) < 0 || dup2(s, 1) < 0)
		_exit(124);
	close(s);
	__fpurge(stdin);   /* what the parent had buffered is the parent's */
	clearerr(stdin);
	printf("ready pid=%ld parent=%ld\n", (long)getpid(), (long)parent);
	fflush(stdout);
}

/*
 * exec : the agent replaces itself with a fresh copy of its program (same
 * pid, same pipes); the new image's "ready" line is the answer. It re-runs
 * the command that started it (MAPCONF_AGENT_ARGV, set by the controller)
 * rather than /proc/self/exe, so that an emulator or wrapper in front of
 * the agent is in front of the new image too: under qemu-user without
 * binfmt_misc the kernel could not run the agent's own binary.
 */
#define EXEC_ARGV_MAX 32

static int own_command(char **argv, char *storage, size_t cap)
{
	const char *spec = getenv("MAPCONF_AGENT_ARGV");
	int n = 0;
	ssize_t len;

	if (spec && *spec) {
		snprintf(storage, cap, "%s", spec);
		for (char *word = storage; word && n < EXEC_ARGV_MAX - 1; n++) {
			argv[n] = word;
			word = strchr(word, '\x1f');
			if (word)
				*word++ = '\0';
		}
		argv[n] = NULL;
		return n;
	}
	len = readlink("/proc/self/exe", storage, cap - 1);
	if (len < 0)
		return -1;
	storage[len] = '\0';
	argv[0] = storage;
	argv[1] = NULL;
	return 1;
}

static void verb_exec(const struct mc_line *req)
{
	static char storage[4096];
	char *argv[EXEC_ARGV_MAX];

	(void)req;
	if (own_command(argv, storage, sizeof(storage)) <= 0) {
		answer_errno(errno);
		return;
	}
	fflush(stdout);
	/* argv[0] is a path: the controller started this agent with posix_spawn, which does not search PATH */
	execv(argv[0], argv);
	answer_errno(errno);
}

/*
 * adopt raw=N : descriptor N, which this process holds without having opened
 * it (one kept across exec), becomes a handle; err bad_handle if N is not open.
 */
static void verb_adopt(const struct mc_line *req)
{
	uint64_t raw;

	if (need_u64(req, "raw", &raw))
		return;
	if (raw > INT_MAX || fcntl((int)raw, F_GETFD) < 0)
		answer_errno(EBADF);
	else
		answer_new_handle(handle_add((int)raw));
}

const struct verb fork_verbs[] = {
	{ "fork", verb_fork },
	{ "exec", verb_exec },
	{ "adopt", verb_adopt },
	{ NULL, NULL },
};
