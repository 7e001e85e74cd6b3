#define _GNU_SOURCE
#include "agent_client.h"
#include "answers.h"
#include "trace.h"
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#define AGENTS_MAX 16
#define ARGV_MAX 32

extern char **environ;

struct mc_agent {
	char label[16];
	pid_t pid;
	int to_fd, from_fd;
	bool alive;
	bool forked;             /* made by another agent (fork, spawn): not our child to wait for */
	char pending[256];       /* the request awaiting its answer, for messages */
	char ready[256];         /* how it announced itself ("ready pid=... ...") */
	char buf[MC_LINE_MAX + 1];
	size_t have;             /* bytes in buf */
	size_t consumed;         /* bytes of buf already handed out as a line */
};

static struct mc_agent agents[AGENTS_MAX];
static int nagents;

double mc_request_timeout(void)
{
	const char *s = getenv("MAPCONF_REQUEST_TIMEOUT");
	double t = s ? atof(s) : 0;

	return t > 0 ? t : 10.0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Split s (modified) on sep into argv; returns the count. */
static int split(char *s, char sep, char **argv, int max)
{
	int n = 0;

	while (s && *s && n < max - 1) {
		char *end = strchr(s, sep);

		if (end)
			*end++ = '\0';
		argv[n++] = s;
		s = end;
	}
	argv[n] = NULL;
	return n;
}

/* The agent's environment: ours, the controller's pid, and MAPCONF_AGENT_ENV. */
static char **agent_environment(void)
{
	static char pidvar[64];
	static char extra_copy[8192];
	static char *env[512];
	char *extra[64];
	int n = 0, nextra;
	const char *extra_env = getenv("MAPCONF_AGENT_ENV");

	snprintf(extra_copy, sizeof(extra_copy), "%s", extra_env ? extra_env : "");
	nextra = split(extra_copy, '\x1f', extra, 64);
	for (char **e = environ; *e && n < 400; e++)
		env[n++] = *e;
	snprintf(pidvar, sizeof(pidvar), "MAPCONF_CONTROLLER_PID=%ld", (long)getpid());
	env[n++] = pidvar;
	for (int i = 0; i < nextra && n < 510; i++)
		env[n++] = extra[i];
	env[n] = NULL;
	return env;
}

static int agent_argv(char **argv, char *storage, size_t cap)
{
	const char *spec = getenv("MAPCONF_AGENT_ARGV");
	char self[2048];
	ssize_t len;

	if (spec && *spec) {
		snprintf(storage, cap, "%s", spec);
		return split(storage, '\x1f', argv, ARGV_MAX);
	}
	/* default: the agent built beside this case binary */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len < 0)
		return 0;
	self[len] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(storage, cap, "%s/../agent/mapconf-agent", self);
	argv[0] = storage;
	argv[1] = NULL;
	return 1;
}

static int spawn_process(struct mc_agent *a, char *why, size_t whylen)
{
	static char storage[4096];   /* room for a 2 KiB directory and the agent's name */
	char *argv[ARGV_MAX];
	int in[2], out[2], rc;
	posix_spawn_file_actions_t fa;

	if (agent_argv(argv, storage, sizeof(storage)) == 0) {
		snprintf(why, whylen, "no agent command (set MAPCONF_AGENT_ARGV)");
		return -1;
	}
	/* all four ends close-on-exec: no agent may hold another agent's pipe */
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	rc = posix_spawn(&a->pid, argv[0], &fa, NULL, argv, agent_environment());
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	if (rc) {
		close(in[1]);
		close(out[0]);
		snprintf(why, whylen, "cannot start agent %s: %s", argv[0], strerror(rc));
		return -1;
	}
	a->to_fd = in[1];
	a->from_fd = out[0];
	a->alive = true;
	return 0;
}

/* Reads one line (without its newline) within the deadline. */
static enum mc_call_status read_line(struct mc_agent *a, double deadline, char **line)
{
	for (;;) {
		char *nl;

		if (a->consumed) {
			memmove(a->buf, a->buf + a->consumed, a->have - a->consumed);
			a->have -= a->consumed;
			a->consumed = 0;
		}
		nl = memchr(a->buf, '\n', a->have);
		if (nl) {
			*nl = '\0';
			a->consumed = (size_t)(nl - a->buf) + 1;
			*line = a->buf;
			return MC_CALL_ANSWERED;
		}
		if (a->have == MC_LINE_MAX)
			return MC_CALL_MALFORMED;

		double left = deadline - now();
		struct pollfd pfd = { .fd = a->from_fd, .events = POLLIN };

		if (left <= 0)
			return MC_CALL_TIMEOUT;
		int rc = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			continue;   /* the deadline check above ends the loop */
		ssize_t n = read(a->from_fd, a->buf + a->have, MC_LINE_MAX - a->have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return MC_CALL_DIED;
		a->have += (size_t)n;
	}
}

/* How a reaped wait status ended its process: for decisions, and in how for people. */
static struct mc_agent_end ended_by(int status, char *how, size_t howlen)
{
	if (WIFEXITED(status)) {
		snprintf(how, howlen, "exited with status %d", WEXITSTATUS(status));
		return (struct mc_agent_end){ .kind = MC_END_EXITED, .code = WEXITSTATUS(status) };
	}
	if (WIFSIGNALED(status)) {
		const char *name = sigabbrev_np(WTERMSIG(status));

		snprintf(how, howlen, "was killed by signal %s", name ? name : "?");
		return (struct mc_agent_end){ .kind = MC_END_SIGNALED, .code = WTERMSIG(status), .signal = name };
	}
	snprintf(how, howlen, "ended with wait status 0x%x", status);
	return (struct mc_agent_end){ .kind = MC_END_EXITED, .code = -1 };
}

/*
 * Wait until the child pid has ended (it can be reaped), at most timeout_s
 * seconds: on its pidfd, or, where the system has none (gVisor 20221219
 * answers pidfd_open with ENOSYS), by looking again every 10 ms until the
 * bound, on the monotonic clock.
 */
static void await_exit(pid_t pid, double timeout_s)
{
	const struct timespec nap = { 0, 10 * 1000 * 1000 };
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	struct timespec start, now;
	siginfo_t info;

	if (pidfd >= 0) {
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

		poll(&pfd, 1, (int)(timeout_s * 1000));
		close(pidfd);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		info.si_pid = 0;
		/* WNOWAIT: the child is left for the caller to reap */
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == pid)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 > timeout_s)
			return;
		nanosleep(&nap, NULL);
	}
}

/*
 * Reap an agent whose output has closed. It is normally already exiting; if
 * it is still running after a grace period (waited for on a pidfd, not by
 * sleeping) it is killed, so reaping can never hang.
 */
static struct mc_agent_end reap(struct mc_agent *a, char *how, size_t howlen)
{
	struct mc_agent_end end = { .kind = MC_END_PARENTS };
	int status = 0;

	if (a->forked) {
		/*
		 * its parent agent reaps it; all we know is that its connection
		 * closed. A spawned Win32 child has no Unix pid we know (0): it
		 * ends itself when its connection closes, and is never signalled
		 * (kill(0, ...) would hit the whole process group).
		 */
		if (a->pid > 0)
			kill(a->pid, SIGKILL);
		snprintf(how, howlen, "ended (made by another agent: its exit status goes to its parent)");
		goto closed;
	}
	pid_t r = waitpid(a->pid, &status, WNOHANG);

	if (r == 0) {
		await_exit(a->pid, mc_request_timeout());
		if (waitpid(a->pid, &status, WNOHANG) == 0) {
			kill(a->pid, SIGKILL);
			waitpid(a->pid, &status, 0);
			snprintf(how, howlen, "closed its output but did not exit, and was killed");
			end = (struct mc_agent_end){ .kind = MC_END_KILLED, .code = SIGKILL, .signal = "KILL" };
			goto closed;
		}
	}
	end = ended_by(status, how, howlen);
closed:
	a->alive = false;
	close(a->to_fd);
	if (a->from_fd != a->to_fd)
		close(a->from_fd);
	if (a->pid > 0)
		mc_transcript_note("%s (pid %ld) %s", a->label, (long)a->pid, how);
	else
		mc_transcript_note("%s %s", a->label, how);
	return end;
}

/* An answer (or ready line) came: in the transcript, and numbered in the trace. */
static int answered(const struct mc_agent *a, const char *line)
{
	int seq = mc_trace_next_seq();

	mc_transcript(a->label, "->", line);
	mc_trace("answer %s #%d %.*s", a->label, seq, (int)strcspn(line, "\n"), line);
	return seq;
}

/*
 * Wait for a new agent's "ready" line: 0, or -1 with why, in which case the
 * agent has been ended (killed, or reaped if it had already died).
 */
static int await_ready(struct mc_agent *a, const char *what, char *why, size_t whylen)
{
	char *line;
	char how[128];

	switch (read_line(a, now() + mc_request_timeout(), &line)) {
	case MC_CALL_ANSWERED:
		answered(a, line);
		if (strncmp(line, "ready ", 6) == 0) {
			snprintf(a->ready, sizeof(a->ready), "%s", line);
			return 0;
		}
		snprintf(why, whylen, "%s %s did not announce itself: \"%.200s\"", what, a->label, line);
		break;
	case MC_CALL_TIMEOUT:
		snprintf(why, whylen, "%s %s did not announce itself within %.0f s", what, a->label,
			 mc_request_timeout());
		break;
	default:
		reap(a, how, sizeof(how));
		snprintf(why, whylen, "%s %s %s before announcing itself", what, a->label, how);
		return -1;
	}
	mc_agent_kill(a);
	return -1;
}

struct mc_agent *mc_agent_spawn(const char *label, char *why, size_t whylen)
{
	struct mc_agent *a;

	if (nagents == AGENTS_MAX) {
		snprintf(why, whylen, "more than %d agents in one case", AGENTS_MAX);
		return NULL;
	}
	a = &agents[nagents];
	memset(a, 0, sizeof(*a));
	snprintf(a->label, sizeof(a->label), "%s", label);
	mc_trace("start %s", label);
	if (spawn_process(a, why, whylen))
		return NULL;
	nagents++;
	return await_ready(a, "agent", why, whylen) ? NULL : a;
}

enum mc_call_status mc_agent_send(struct mc_agent *a, const char *request, char *why, size_t whylen)
{
	char how[128];
	size_t len = strlen(request);

	mc_transcript(a->label, "<-", request);
	mc_trace("send %s %s", a->label, request);
	if (!a->alive) {
		snprintf(why, whylen, "agent %s is no longer running", a->label);
		return MC_CALL_DIED;
	}
	snprintf(a->pending, sizeof(a->pending), "%s", request);
	/* SIGPIPE is ignored by the case main: a dead agent shows as EPIPE here */
	if (write(a->to_fd, request, len) != (ssize_t)len || write(a->to_fd, "\n", 1) != 1) {
		reap(a, how, sizeof(how));
		snprintf(why, whylen, "agent %s %s before \"%.100s\"", a->label, how, request);
		return MC_CALL_DIED;
	}
	return MC_CALL_ANSWERED;
}

enum mc_call_status mc_agent_receive(struct mc_agent *a, struct mc_reply *reply, char *why, size_t whylen)
{
	char how[128];
	char *line;
	enum mc_call_status st = read_line(a, now() + mc_request_timeout(), &line);

	switch (st) {
	case MC_CALL_ANSWERED:
		st = mc_answer_parse(line, answered(a, line), reply, why, whylen);
		mc_answer_from(reply, a->label, a->pending);
		return st;
	case MC_CALL_TIMEOUT:
		snprintf(why, whylen, "agent %s did not answer \"%.100s\" within %.0f s",
			 a->label, a->pending, mc_request_timeout());
		mc_transcript_note("%s", why);
		mc_agent_kill(a);
		return st;
	case MC_CALL_MALFORMED:
		snprintf(why, whylen, "agent %s sent a line longer than %d bytes", a->label, MC_LINE_MAX);
		mc_agent_kill(a);
		return st;
	default:
		reap(a, how, sizeof(how));
		snprintf(why, whylen, "agent %s %s while answering \"%.100s\"", a->label, how, a->pending);
		return st;
	}
}

enum mc_call_status mc_agent_call(struct mc_agent *a, struct mc_reply *reply,
				  const char *request, char *why, size_t whylen)
{
	enum mc_call_status st = mc_agent_send(a, request, why, whylen);

	return st == MC_CALL_ANSWERED ? mc_agent_receive(a, reply, why, whylen) : st;
}

/* A listening socket at path, for one forked agent to connect to. */
static int listen_at(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(why, whylen, "socket path %s is too long", path);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) || listen(s, 1)) {
		snprintf(why, whylen, "cannot listen at %s: %s", path, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* A listening TCP socket on an ephemeral loopback port, for a Win32 agent's child. */
static int listen_loopback(int *port, char *why, size_t whylen)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) || listen(s, 1) ||
	    getsockname(s, (struct sockaddr *)&addr, &len)) {
		snprintf(why, whylen, "cannot listen on a loopback port: %s", strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	*port = ntohs(addr.sin_port);
	return s;
}

static int accept_within(int listener, double deadline)
{
	struct pollfd pfd = { .fd = listener, .events = POLLIN };

	while (now() < deadline) {
		int rc = poll(&pfd, 1, (int)((deadline - now()) * 1000) + 1);

		if (rc > 0)
			return accept4(listener, NULL, NULL, SOCK_CLOEXEC);
		if (rc < 0 && errno != EINTR)
			return -1;
	}
	return -1;
}

/*
 * Takes on the connection of an agent another agent made (its parent
 * answers for its life). pid is its Unix pid, or 0 when it is not known (a
 * Win32 child: its Windows process id is no Unix pid, and must never be
 * signalled).
 */
static struct mc_agent *adopt(int fd, pid_t pid, const char *label, const char *what,
			      char *why, size_t whylen)
{
	struct mc_agent *a = &agents[nagents++];

	memset(a, 0, sizeof(*a));
	snprintf(a->label, sizeof(a->label), "%s", label);
	a->pid = pid;
	a->to_fd = a->from_fd = fd;
	a->alive = a->forked = true;
	return await_ready(a, what, why, whylen) ? NULL : a;
}

struct mc_agent *mc_agent_fork(struct mc_agent *parent, const char *label, const char *socket_path,
			       struct mc_reply *reply, char *why, size_t whylen)
{
	char request[600];
	enum mc_call_status st;
	int listener, fd;
	uint64_t pid;

	if (nagents == AGENTS_MAX) {
		snprintf(why, whylen, "more than %d agents in one case", AGENTS_MAX);
		return NULL;
	}
	listener = listen_at(socket_path, why, whylen);
	if (listener < 0)
		return NULL;
	mc_trace("fork %s %s", parent->label, label);
	snprintf(request, sizeof(request), "fork connect=%s", socket_path);
	st = mc_agent_call(parent, reply, request, why, whylen);
	if (st != MC_CALL_ANSWERED || !reply->ok || mc_parse_u64(mc_line_get(&reply->line, "pid"), &pid)) {
		if (st == MC_CALL_ANSWERED && reply->ok)
			snprintf(why, whylen, "agent %s answered fork without a pid: \"%s\"", parent->label, reply->text);
		close(listener);
		unlink(socket_path);
		return NULL;   /* reply (when answered) says why */
	}
	fd = accept_within(listener, now() + mc_request_timeout());
	close(listener);
	unlink(socket_path);
	if (fd < 0) {
		kill((pid_t)pid, SIGKILL);
		snprintf(why, whylen, "the agent %s forked (pid %llu) never connected", parent->label,
			 (unsigned long long)pid);
		return NULL;
	}
	return adopt(fd, (pid_t)pid, label, "forked agent", why, whylen);
}

struct mc_agent *mc_agent_spawn_child(struct mc_agent *parent, const char *label, const char *handles,
				      struct mc_reply *reply, char *why, size_t whylen)
{
	char request[600];
	enum mc_call_status st;
	int listener, port, fd;

	if (nagents == AGENTS_MAX) {
		snprintf(why, whylen, "more than %d agents in one case", AGENTS_MAX);
		return NULL;
	}
	listener = listen_loopback(&port, why, whylen);
	if (listener < 0)
		return NULL;
	mc_trace("spawn %s %s %s", parent->label, label, handles && *handles ? handles : "-");
	snprintf(request, sizeof(request), "spawn connect=127.0.0.1:%d%s%.400s", port,
		 handles && *handles ? " handles=" : "", handles ? handles : "");
	st = mc_agent_call(parent, reply, request, why, whylen);
	if (st != MC_CALL_ANSWERED || !reply->ok) {
		close(listener);
		return NULL;   /* reply (when answered) says why */
	}
	fd = accept_within(listener, now() + mc_request_timeout());
	close(listener);
	/* a request goes out in two writes; without this, the second waits for a delayed ACK (40 ms) */
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (fd < 0) {
		/* it cannot connect any more either, and ends itself */
		snprintf(why, whylen, "the child agent %s spawned (\"%s\") never connected", parent->label,
			 reply->text);
		return NULL;
	}
	return adopt(fd, 0, label, "spawned agent", why, whylen);
}

enum mc_call_status mc_agent_exec(struct mc_agent *a, struct mc_reply *reply, char *why, size_t whylen)
{
	char *line;
	enum mc_call_status st;

	mc_trace("exec %s", a->label);
	st = mc_agent_send(a, "exec", why, whylen);
	if (st != MC_CALL_ANSWERED)
		return st;
	st = read_line(a, now() + mc_request_timeout(), &line);
	if (st == MC_CALL_ANSWERED) {
		int seq = answered(a, line);

		if (strncmp(line, "ready ", 6) == 0) {
			memset(reply, 0, sizeof(*reply));
			reply->ok = true;
			reply->text = mc_answer_keep(line);
			reply->seq = seq;
			mc_answer_from(reply, a->label, "exec");
			return st;
		}
		/* not "ready": the exec failed, and this is its answer */
		st = mc_answer_parse(line, seq, reply, why, whylen);
		mc_answer_from(reply, a->label, "exec");
		return st;
	}
	if (st == MC_CALL_TIMEOUT) {
		snprintf(why, whylen, "agent %s did not announce itself within %.0f s after exec", a->label,
			 mc_request_timeout());
		mc_agent_kill(a);
		return st;
	}
	char how[128];
	reap(a, how, sizeof(how));
	snprintf(why, whylen, "agent %s %s during exec", a->label, how);
	return MC_CALL_DIED;
}

/* Wait for a to end, traced as event ("end" or "gone"). */
static struct mc_agent_end wait_end(struct mc_agent *a, const char *event, char *how, size_t howlen)
{
	char *line;

	mc_trace("%s %s", event, a->label);
	if (!a->alive) {
		snprintf(how, howlen, "had already ended");
		return (struct mc_agent_end){ .kind = MC_END_ALREADY };
	}
	/* anything the agent still says before it goes is evidence, not an answer */
	while (read_line(a, now() + mc_request_timeout(), &line) == MC_CALL_ANSWERED)
		mc_transcript(a->label, "->", line);
	return reap(a, how, howlen);
}

struct mc_agent_end mc_agent_wait_end(struct mc_agent *a, char *how, size_t howlen)
{
	return wait_end(a, "end", how, howlen);
}

bool mc_agent_wait_gone(struct mc_agent *a, char *how, size_t howlen)
{
	enum mc_end_kind kind = wait_end(a, "gone", how, howlen).kind;

	return kind != MC_END_KILLED && kind != MC_END_ALREADY;
}

void mc_agent_kill(struct mc_agent *a)
{
	char how[128];

	if (!a->alive)
		return;
	if (a->pid > 0)
		kill(a->pid, SIGKILL);
	else
		shutdown(a->to_fd, SHUT_RDWR);   /* a spawned child ends when its connection does */
	reap(a, how, sizeof(how));
}

void mc_agent_kill_all(void)
{
	for (int i = 0; i < nagents; i++)
		mc_agent_kill(&agents[i]);
	mc_answers_forget();
}

const char *mc_agent_label(const struct mc_agent *a)
{
	return a->label;
}

const char *mc_agent_ready(const struct mc_agent *a)
{
	return a->ready;
}

pid_t mc_agent_pid(const struct mc_agent *a)
{
	return a->pid;
}

bool mc_agent_alive(const struct mc_agent *a)
{
	return a->alive;
}
