/*
 * Inheritance: exec replaces the agent's program; fork makes a new agent that inherits this one's views and
 * handles. The child connects to the controller's socket (connect=PATH),
 * serves requests on that connection from then on, and announces itself
 * there with "ready"; the parent answers with the child's pid.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
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
 * pid, same pipes); the new image's "ready" line is the answer.
 */
static void verb_exec(const struct mc_line *req)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *argv[] = { self, NULL };

	(void)req;
	if (n < 0) {
		answer_errno(errno);
		return;
	}
	self[n] = '\0';
	fflush(stdout);
	execv(self, argv);
	answer_errno(errno);
}

const struct verb fork_verbs[] = {
	{ "fork", verb_fork },
	{ "exec", verb_exec },
	{ NULL, NULL },
};
