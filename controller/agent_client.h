/*
 * Agents, seen from the controller: start one, send it a request, wait for
 * its answer with a timeout, and make sure it is gone at the end.
 *
 * An agent is started with posix_spawn (never a bare fork), so it is a real,
 * separate process that shares nothing with the controller but two pipes.
 * (An agent made by another agent's "fork" is the exception the inheritance
 * cases need: it talks to the controller over a Unix socket instead; one a
 * Win32 agent made with "spawn", over a loopback TCP connection.)
 * The command comes from MAPCONF_AGENT_ARGV (arguments separated by \x1f),
 * which lets a platform put an emulator or a sandbox in front of it.
 */
#ifndef MAPCONF_AGENT_CLIENT_H
#define MAPCONF_AGENT_CLIENT_H

#include "answers.h"

#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

struct mc_agent;

struct mc_agent *mc_agent_spawn(const char *label, char *why, size_t whylen);
enum mc_call_status mc_agent_call(struct mc_agent *a, struct mc_reply *reply,
				  const char *request, char *why, size_t whylen);
/*
 * The two halves of a call, for requests that must run at the same time in
 * several agents: send to each, then receive from each.
 */
enum mc_call_status mc_agent_send(struct mc_agent *a, const char *request, char *why, size_t whylen);
enum mc_call_status mc_agent_receive(struct mc_agent *a, struct mc_reply *reply, char *why, size_t whylen);
/*
 * A new agent made by parent's "fork": it inherits the parent's views and
 * handles, and connects to a socket the controller listens on at
 * socket_path. NULL with why (and the parent's answer in reply) on failure.
 */
struct mc_agent *mc_agent_fork(struct mc_agent *parent, const char *label, const char *socket_path,
			       struct mc_reply *reply, char *why, size_t whylen);
/*
 * A new agent made by parent's "spawn" (Win32: CreateProcess, inheriting
 * the listed handles, e.g. "h1,h2"): it connects to a loopback TCP port the
 * controller listens on, since Win32 has no fork and Wine's Winsock no Unix
 * sockets. Its Unix pid is not known: it is never signalled, and ends when
 * its connection closes. NULL with why (and the parent's answer in reply)
 * on failure.
 */
struct mc_agent *mc_agent_spawn_child(struct mc_agent *parent, const char *label, const char *handles,
				      struct mc_reply *reply, char *why, size_t whylen);
/* exec in the agent: the answer is ok when the new program announces itself. */
enum mc_call_status mc_agent_exec(struct mc_agent *a, struct mc_reply *reply, char *why, size_t whylen);
/* How an agent ended, for a decision; how (the text) is for people. */
enum mc_end_kind {
	MC_END_EXITED,           /* it exited; code: its exit status */
	MC_END_SIGNALED,         /* a signal ended it; code: the signal */
	MC_END_KILLED,           /* it did not end by itself in time, and the controller killed it */
	MC_END_PARENTS,          /* made by another agent: its status is its parent's to know */
	MC_END_ALREADY,          /* it had ended before it was waited for */
};

struct mc_agent_end {
	enum mc_end_kind kind;
	int code;
	const char *signal;      /* MC_END_SIGNALED: the signal's name as requests write it ("SEGV"), or NULL */
};

/* An orderly end: exit status 0, or one only the agent's parent knows. */
static inline bool mc_agent_ended_orderly(struct mc_agent_end end)
{
	return (end.kind == MC_END_EXITED && end.code == 0) || end.kind == MC_END_PARENTS;
}

/* A signal of its own ended it: the one named as requests write it ("SEGV"), not the controller's kill. */
static inline bool mc_agent_died_by(struct mc_agent_end end, const char *signal)
{
	return end.kind == MC_END_SIGNALED && end.signal && strcmp(end.signal, signal) == 0;
}

/* Wait for the agent to end after it was told to (exit, crash). */
struct mc_agent_end mc_agent_wait_end(struct mc_agent *a, char *how, size_t howlen);
/*
 * Wait for the agent to end after another process ended it (Win32
 * TerminateProcess): true when it ended by itself within the timeout,
 * whatever its status; false (with how) when it had to be killed, or had
 * already ended before.
 */
bool mc_agent_wait_gone(struct mc_agent *a, char *how, size_t howlen);
void mc_agent_kill(struct mc_agent *a);
const char *mc_agent_label(const struct mc_agent *a);
/* The line the agent announced itself with ("ready pid=... arch=..."), as it came. */
const char *mc_agent_ready(const struct mc_agent *a);
/* The agent's Unix pid; 0 for a spawned Win32 child, whose pid is not known. */
pid_t mc_agent_pid(const struct mc_agent *a);
bool mc_agent_alive(const struct mc_agent *a);
/* Kill and reap every agent still running, and free the answers (end of a case). */
void mc_agent_kill_all(void);

/* Seconds a request may take (MAPCONF_REQUEST_TIMEOUT, default 10). */
double mc_request_timeout(void);

#endif
