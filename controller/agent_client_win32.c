/*
 * The agent client on Win32: the functions of agent_client.h, done with the
 * Win32 API, for the controller built for Windows and for the Win32
 * reproducers (runner/repro.py), which embed this file. An agent is started
 * with CreateProcess, from MAPCONF_AGENT_ARGV as on POSIX (a reproducer
 * names itself with --agent) or else the agent built beside this program,
 * and talks over two pipes; an agent another agent spawned connects to a
 * loopback TCP port, as it does to mapconf's controller. Every read has a
 * deadline (an overlapped read of a named pipe, or select on a socket), so
 * a silent agent is a timeout, not a hang. Win32 has no fork, exec or
 * signals: those calls fail saying so.
 */
#include "agent_client.h"
#include "answers.h"
#include "trace.h"
#include "transcript.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define AGENTS_MAX 16
#define ARGV_MAX 32

struct mc_agent {
	char label[16];
	HANDLE process;          /* NULL for a spawned child: it ends when its connection does */
	HANDLE to, from;         /* pipes (from: overlapped), or INVALID_HANDLE_VALUE */
	HANDLE read_done;        /* the event of from's overlapped reads */
	SOCKET sock;             /* a spawned child's connection, or INVALID_SOCKET */
	bool alive;
	char pending[256];
	char ready[256];
	char buf[MC_LINE_MAX + 1];
	size_t have, consumed;
};

static struct mc_agent agents[AGENTS_MAX];
static int nagents;

double mc_request_timeout(void)
{
	const char *s = getenv("MAPCONF_REQUEST_TIMEOUT");
	double t = s ? atof(s) : 0;

	return t > 0 ? t : 10.0;
}

static ULONGLONG deadline_after(double seconds)
{
	return GetTickCount64() + (ULONGLONG)(seconds * 1000);
}

static DWORD left_until(ULONGLONG deadline)
{
	ULONGLONG now = GetTickCount64();

	return now >= deadline ? 0 : (DWORD)(deadline - now);
}

/* Up to cap bytes: >0 read, 0 end of input, -1 deadline passed, -2 error. */
static long read_some(struct mc_agent *a, char *into, size_t cap, ULONGLONG deadline)
{
	DWORD n = 0;

	if (a->sock != INVALID_SOCKET) {
		fd_set set;
		struct timeval tv = { (long)(left_until(deadline) / 1000), (long)(left_until(deadline) % 1000) * 1000 };
		int got;

		FD_ZERO(&set);
		FD_SET(a->sock, &set);
		if (select(0, &set, NULL, NULL, &tv) <= 0)
			return -1;
		got = recv(a->sock, into, (int)cap, 0);
		return got > 0 ? got : got == 0 ? 0 : -2;
	}
	OVERLAPPED ov = { .hEvent = a->read_done };
	ResetEvent(a->read_done);
	if (!ReadFile(a->from, into, (DWORD)cap, &n, &ov)) {
		DWORD error = GetLastError();

		if (error == ERROR_BROKEN_PIPE || error == ERROR_HANDLE_EOF)
			return 0;
		if (error != ERROR_IO_PENDING)
			return -2;
		if (WaitForSingleObject(a->read_done, left_until(deadline)) != WAIT_OBJECT_0) {
			CancelIo(a->from);
			GetOverlappedResult(a->from, &ov, &n, TRUE);
			return -1;
		}
		if (!GetOverlappedResult(a->from, &ov, &n, FALSE))
			return GetLastError() == ERROR_BROKEN_PIPE ? 0 : -2;
	}
	return n;
}

/* One line (without its newline) within the deadline. */
static enum mc_call_status read_line(struct mc_agent *a, ULONGLONG deadline, char **line)
{
	for (;;) {
		char *nl;
		long n;

		if (a->consumed) {
			memmove(a->buf, a->buf + a->consumed, a->have - a->consumed);
			a->have -= a->consumed;
			a->consumed = 0;
		}
		nl = memchr(a->buf, '\n', a->have);
		if (nl) {
			*nl = '\0';
			if (nl > a->buf && nl[-1] == '\r')
				nl[-1] = '\0';
			a->consumed = (size_t)(nl - a->buf) + 1;
			*line = a->buf;
			return MC_CALL_ANSWERED;
		}
		if (a->have == MC_LINE_MAX)
			return MC_CALL_MALFORMED;
		n = read_some(a, a->buf + a->have, MC_LINE_MAX - a->have, deadline);
		if (n == -1)
			return MC_CALL_TIMEOUT;
		if (n <= 0)
			return MC_CALL_DIED;
		a->have += (size_t)n;
	}
}

static bool write_all(struct mc_agent *a, const char *data, size_t len)
{
	DWORD n;

	if (a->sock != INVALID_SOCKET)
		return send(a->sock, data, (int)len, 0) == (int)len;
	return WriteFile(a->to, data, (DWORD)len, &n, NULL) && n == len;
}

static void close_agent(struct mc_agent *a, const char *how)
{
	if (!a->alive)
		return;
	a->alive = false;
	if (a->sock != INVALID_SOCKET) {
		shutdown(a->sock, SD_BOTH);   /* a spawned child ends when its connection does */
		closesocket(a->sock);
	} else {
		CloseHandle(a->to);
		CloseHandle(a->from);
		CloseHandle(a->read_done);
	}
	if (a->process) {
		/* one that outlives its pipes is ended: none may outlast the run */
		if (WaitForSingleObject(a->process, (DWORD)(mc_request_timeout() * 1000)) != WAIT_OBJECT_0) {
			TerminateProcess(a->process, 9);
			WaitForSingleObject(a->process, (DWORD)(mc_request_timeout() * 1000));
		}
		CloseHandle(a->process);
	}
	mc_transcript_note("%s %s", a->label, how);
}

/* An answer (or ready line) came: in the transcript, and numbered in the trace. */
static int answered(const struct mc_agent *a, const char *line)
{
	int seq = mc_trace_next_seq();

	mc_transcript(a->label, "->", line);
	mc_trace("answer %s #%d %s", a->label, seq, line);
	return seq;
}

static int await_ready(struct mc_agent *a, char *why, size_t whylen)
{
	char *line;
	enum mc_call_status st = read_line(a, deadline_after(mc_request_timeout()), &line);

	if (st == MC_CALL_ANSWERED && strncmp(line, "ready ", 6) == 0) {
		answered(a, line);
		snprintf(a->ready, sizeof(a->ready), "%s", line);
		return 0;
	}
	snprintf(why, whylen, "agent %s did not announce itself (%s)", a->label,
		 st == MC_CALL_ANSWERED ? line : st == MC_CALL_TIMEOUT ? "no line in time" : "it ended");
	mc_agent_kill(a);
	return -1;
}

static struct mc_agent *new_agent(const char *label, char *why, size_t whylen)
{
	struct mc_agent *a;

	if (nagents == AGENTS_MAX) {
		snprintf(why, whylen, "more than %d agents", AGENTS_MAX);
		return NULL;
	}
	a = &agents[nagents++];
	memset(a, 0, sizeof(*a));
	snprintf(a->label, sizeof(a->label), "%s", label);
	a->to = a->from = INVALID_HANDLE_VALUE;
	a->sock = INVALID_SOCKET;
	return a;
}

/* A pipe the agent writes and this program reads with overlapped reads. */
static bool answer_pipe(HANDLE *ours, HANDLE *theirs)
{
	static int count;
	char name[96];
	SECURITY_ATTRIBUTES inheritable = { sizeof(inheritable), NULL, TRUE };

	snprintf(name, sizeof(name), "\\\\.\\pipe\\mapconf-agent-%lu-%d", (unsigned long)GetCurrentProcessId(),
		 ++count);
	*ours = CreateNamedPipeA(name, PIPE_ACCESS_INBOUND | FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE,
				 PIPE_TYPE_BYTE | PIPE_WAIT, 1, 65536, 65536, 0, NULL);
	if (*ours == INVALID_HANDLE_VALUE)
		return false;
	*theirs = CreateFileA(name, GENERIC_WRITE, 0, &inheritable, OPEN_EXISTING, 0, NULL);
	return *theirs != INVALID_HANDLE_VALUE;
}

/* What MAPCONF_AGENT_ENV names (NAME=value, separated by \x1f) and the controller's pid, for the agents to inherit. */
static void agent_environment(void)
{
	const char *extra = getenv("MAPCONF_AGENT_ENV");
	char pid[32];

	snprintf(pid, sizeof(pid), "%lu", (unsigned long)GetCurrentProcessId());
	SetEnvironmentVariableA("MAPCONF_CONTROLLER_PID", pid);
	if (extra && *extra) {
		char copy[4096];

		snprintf(copy, sizeof(copy), "%s", extra);
		for (char *item = strtok(copy, "\x1f"); item; item = strtok(NULL, "\x1f")) {
			char *eq = strchr(item, '=');

			if (eq) {
				*eq = '\0';
				SetEnvironmentVariableA(item, eq + 1);
			}
		}
	}
}

/*
 * The agent's command line, each argument quoted: MAPCONF_AGENT_ARGV
 * (arguments separated by \x1f), or the agent built beside this program
 * (..\agent\mapconf-agent.exe, as build/win32 lays them out). Its program
 * goes to program. 0 when there is none.
 */
static int agent_command(wchar_t *program, wchar_t *command, size_t cap)
{
	wchar_t spec[4096], *argv[ARGV_MAX], *s, *end;
	DWORD n = GetEnvironmentVariableW(L"MAPCONF_AGENT_ARGV", spec, sizeof(spec) / sizeof(spec[0]));
	int argc = 0;
	size_t used = 0;

	if (n == 0 || n >= sizeof(spec) / sizeof(spec[0])) {
		n = GetModuleFileNameW(NULL, spec, MAX_PATH);
		end = n && n < MAX_PATH ? wcsrchr(spec, L'\\') : NULL;
		if (!end)
			return 0;
		_snwprintf(end, sizeof(spec) / sizeof(spec[0]) - (size_t)(end - spec), L"\\..\\agent\\mapconf-agent.exe");
	}
	for (s = spec; s && *s && argc < ARGV_MAX; s = end) {
		end = wcschr(s, L'\x1f');
		if (end)
			*end++ = L'\0';
		argv[argc++] = s;
	}
	if (argc == 0)
		return 0;
	_snwprintf(program, MAX_PATH, L"%ls", argv[0]);
	program[MAX_PATH - 1] = L'\0';
	command[0] = L'\0';
	for (int i = 0; i < argc && used < cap; i++)
		used += (size_t)_snwprintf(command + used, cap - used, L"%ls\"%ls\"", i ? L" " : L"", argv[i]);
	command[cap - 1] = L'\0';
	return argc;
}

struct mc_agent *mc_agent_spawn(const char *label, char *why, size_t whylen)
{
	struct mc_agent *a = new_agent(label, why, whylen);
	SECURITY_ATTRIBUTES inheritable = { sizeof(inheritable), NULL, TRUE };
	HANDLE their_in = INVALID_HANDLE_VALUE, their_out = INVALID_HANDLE_VALUE;
	wchar_t program[MAX_PATH], command[8192];
	STARTUPINFOW si = { .cb = sizeof(si), .dwFlags = STARTF_USESTDHANDLES };
	PROCESS_INFORMATION pi;

	if (!a)
		return NULL;
	mc_trace("start %s", label);
	if (!agent_command(program, command, sizeof(command) / sizeof(command[0]))) {
		snprintf(why, whylen, "no agent command (set MAPCONF_AGENT_ARGV)");
		return NULL;
	}
	if (!CreatePipe(&their_in, &a->to, &inheritable, 0) || !SetHandleInformation(a->to, HANDLE_FLAG_INHERIT, 0) ||
	    !answer_pipe(&a->from, &their_out) || !(a->read_done = CreateEventW(NULL, TRUE, FALSE, NULL))) {
		snprintf(why, whylen, "cannot make the pipes of agent %s (error %lu)", label,
			 (unsigned long)GetLastError());
		return NULL;
	}
	agent_environment();
	si.hStdInput = their_in;
	si.hStdOutput = their_out;
	si.hStdError = GetStdHandle(STD_ERROR_HANDLE);
	if (!CreateProcessW(program, command, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi)) {
		snprintf(why, whylen, "cannot start agent %s: %ls (error %lu)", label, program,
			 (unsigned long)GetLastError());
		CloseHandle(their_in);
		CloseHandle(their_out);
		CloseHandle(a->to);
		CloseHandle(a->from);
		CloseHandle(a->read_done);
		return NULL;
	}
	CloseHandle(their_in);
	CloseHandle(their_out);
	CloseHandle(pi.hThread);
	a->process = pi.hProcess;
	a->alive = true;
	return await_ready(a, why, whylen) ? NULL : a;
}

enum mc_call_status mc_agent_send(struct mc_agent *a, const char *request, char *why, size_t whylen)
{
	mc_transcript(a->label, "<-", request);
	mc_trace("send %s %s", a->label, request);
	if (!a->alive) {
		snprintf(why, whylen, "agent %s is no longer running", a->label);
		return MC_CALL_DIED;
	}
	snprintf(a->pending, sizeof(a->pending), "%s", request);
	if (!write_all(a, request, strlen(request)) || !write_all(a, "\n", 1)) {
		snprintf(why, whylen, "agent %s ended before \"%.100s\"", a->label, request);
		close_agent(a, "ended");
		return MC_CALL_DIED;
	}
	return MC_CALL_ANSWERED;
}

enum mc_call_status mc_agent_receive(struct mc_agent *a, struct mc_reply *reply, char *why, size_t whylen)
{
	char *line;
	enum mc_call_status st = read_line(a, deadline_after(mc_request_timeout()), &line);

	if (st == MC_CALL_ANSWERED) {
		st = mc_answer_parse(line, answered(a, line), reply, why, whylen);
		mc_answer_from(reply, a->label, a->pending);
		return st;
	}
	snprintf(why, whylen, "agent %s %s \"%.100s\"", a->label,
		 st == MC_CALL_TIMEOUT ? "did not answer in time" : "ended while answering", a->pending);
	mc_agent_kill(a);
	return st;
}

enum mc_call_status mc_agent_call(struct mc_agent *a, struct mc_reply *reply, const char *request, char *why,
				  size_t whylen)
{
	enum mc_call_status st = mc_agent_send(a, request, why, whylen);

	return st == MC_CALL_ANSWERED ? mc_agent_receive(a, reply, why, whylen) : st;
}

struct mc_agent *mc_agent_fork(struct mc_agent *parent, const char *label, const char *socket_path,
			       struct mc_reply *reply, char *why, size_t whylen)
{
	(void)parent, (void)label, (void)socket_path, (void)reply;
	snprintf(why, whylen, "Win32 has no fork");
	return NULL;
}

struct mc_agent *mc_agent_spawn_child(struct mc_agent *parent, const char *label, const char *handles,
				      struct mc_reply *reply, char *why, size_t whylen)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int len = sizeof(addr);
	SOCKET listener;
	struct mc_agent *a;
	char request[600];
	WSADATA wsa;
	fd_set set;
	struct timeval tv = { (long)mc_request_timeout(), 0 };

	if (WSAStartup(MAKEWORD(2, 2), &wsa) ||
	    (listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP)) == INVALID_SOCKET ||
	    bind(listener, (struct sockaddr *)&addr, sizeof(addr)) || listen(listener, 1) ||
	    getsockname(listener, (struct sockaddr *)&addr, &len)) {
		snprintf(why, whylen, "cannot listen on a loopback port (error %d)", WSAGetLastError());
		return NULL;
	}
	mc_trace("spawn %s %s %s", parent->label, label, handles && *handles ? handles : "-");
	snprintf(request, sizeof(request), "spawn connect=127.0.0.1:%d%s%.400s", ntohs(addr.sin_port),
		 handles && *handles ? " handles=" : "", handles ? handles : "");
	if (mc_agent_call(parent, reply, request, why, whylen) != MC_CALL_ANSWERED || !reply->ok) {
		closesocket(listener);
		return NULL;   /* reply (when answered) says why */
	}
	a = new_agent(label, why, whylen);
	FD_ZERO(&set);
	FD_SET(listener, &set);
	if (!a || select(0, &set, NULL, NULL, &tv) <= 0 || (a->sock = accept(listener, NULL, NULL)) == INVALID_SOCKET) {
		closesocket(listener);
		if (a)
			snprintf(why, whylen, "the child agent %s spawned never connected", parent->label);
		return NULL;
	}
	closesocket(listener);
	setsockopt(a->sock, IPPROTO_TCP, TCP_NODELAY, (const char *)&(int){ 1 }, sizeof(int));
	a->alive = true;
	return await_ready(a, why, whylen) ? NULL : a;
}

enum mc_call_status mc_agent_exec(struct mc_agent *a, struct mc_reply *reply, char *why, size_t whylen)
{
	(void)a, (void)reply;
	snprintf(why, whylen, "Win32 has no exec");
	return MC_CALL_DIED;
}

/* Wait for a to end, traced as event ("end" or "gone"); one that does not end in time is ended. */
static struct mc_agent_end wait_end(struct mc_agent *a, const char *event, char *how, size_t howlen)
{
	struct mc_agent_end end = { .kind = MC_END_PARENTS };   /* a spawned child's status is its parent's */
	char *line;
	DWORD code = 1;

	mc_trace("%s %s", event, a->label);
	if (!a->alive) {
		snprintf(how, howlen, "had already ended");
		return (struct mc_agent_end){ .kind = MC_END_ALREADY };
	}
	/* anything the agent still says before it goes is evidence, not an answer */
	while (read_line(a, deadline_after(mc_request_timeout()), &line) == MC_CALL_ANSWERED)
		mc_transcript(a->label, "->", line);
	if (a->process && WaitForSingleObject(a->process, (DWORD)(mc_request_timeout() * 1000)) != WAIT_OBJECT_0) {
		TerminateProcess(a->process, 9);
		snprintf(how, howlen, "closed its output but did not exit, and was ended (TerminateProcess)");
		end = (struct mc_agent_end){ .kind = MC_END_KILLED, .code = 9 };
	} else if (a->process) {
		GetExitCodeProcess(a->process, &code);
		snprintf(how, howlen, "exited with %lu", (unsigned long)code);
		end = (struct mc_agent_end){ .kind = MC_END_EXITED, .code = (int)code };
	} else {
		snprintf(how, howlen, "exited with %lu", (unsigned long)code);
	}
	close_agent(a, how);
	return end;
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
	if (!a->alive)
		return;
	if (a->process)
		TerminateProcess(a->process, 9);
	close_agent(a, a->process ? "was ended (TerminateProcess)" : "was ended (its connection closed)");
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
	(void)a;
	return 0;
}

bool mc_agent_alive(const struct mc_agent *a)
{
	return a->alive;
}
