/*
 * Agents as processes: start one, make one from another (fork, spawn),
 * replace its program, end it; and what it is allowed to do (its user, its
 * file-creation mask).
 */
#ifndef MAPCONF_STEPS_PROCESS_H
#define MAPCONF_STEPS_PROCESS_H

#include "reply.h"

#include <stddef.h>
#include <stdint.h>

struct mc_agent *mc_agent_start_where(MC_WHERE, const char *label);
/* The label of a case's i-th agent of many alike: "A", "B", ... "Z" (i from 0 to 25). */
const char *mc_agent_letter(int i);
/* A child of parent made by fork: it has the parent's views at the same addresses. */
struct mc_agent *mc_fork_where(MC_WHERE, struct mc_agent *parent, const char *label);
/*
 * A child process of parent made by "spawn" (Win32 CreateProcess): it
 * inherits the handles listed ("h1,h2"), by the same names, and nothing else.
 */
struct mc_agent *mc_spawn_where(MC_WHERE, struct mc_agent *parent, const char *label, const char *handles);
/* The agent replaces its program (exec); it keeps its pid and its pipes. */
void mc_exec_where(MC_WHERE, struct mc_agent *a);
/*
 * The number h stands for in a's process: its descriptor (Win32: its
 * section handle's value). Another program of that process, or a child,
 * holds the object under this number only if it inherited it.
 */
uint64_t mc_raw_handle_where(MC_WHERE, struct mc_agent *a, struct mc_handle h);
/*
 * The first length bytes of what the number raw stands for in a's process,
 * as a reads them through a view of it, for a check to judge. The answer is
 * the read's, or the refusal of the step before it: raw stands for nothing
 * in a ("adopt" refused), or for nothing a can map.
 */
struct mc_reply mc_try_read_through_raw_where(MC_WHERE, struct mc_agent *a, uint64_t raw, size_t length);
/*
 * Win32: a hands its section h to target's process the way Windows hands
 * an object to another process (DuplicateHandle), with access "r"
 * (FILE_MAP_READ) or "rw" (FILE_MAP_ALL_ACCESS). The handle's value in
 * target's process, which target takes with mc_adopt.
 */
uint64_t mc_duplicate_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, struct mc_agent *target,
			    const char *access);
/* The number raw, which a's process holds without having opened it (inherited, duplicated into it), as a's handle. */
struct mc_handle mc_adopt_where(MC_WHERE, struct mc_agent *a, uint64_t raw);
/* An orderly exit: the agent answers, then ends with status 0. */
void mc_exit_where(MC_WHERE, struct mc_agent *a);
/* The agent crashes: it dies by signal (SEGV, BUS, ABRT) of its own doing, as a program with a bug does. */
void mc_crash_where(MC_WHERE, struct mc_agent *a, const char *signal);
/* Termination from outside, the way an OOM kill ends a process. */
void mc_kill_where(MC_WHERE, struct mc_agent *a);
/*
 * Win32: a ends victim with TerminateProcess, by its Windows process id, and
 * answers once victim's process object is signaled (it has ended, its
 * handles are closed); then the controller waits for victim's end, so the
 * case goes on without it.
 */
void mc_terminate_where(MC_WHERE, struct mc_agent *a, struct mc_agent *victim);
/* The agent becomes another user for good (nobody, 65534), which owns none of the case's objects. */
void mc_become_other_user_where(MC_WHERE, struct mc_agent *a);
/* The agent's file-creation mask (umask), which every create it makes next is masked by. */
void mc_umask_where(MC_WHERE, struct mc_agent *a, unsigned int mask);
/*
 * Win32: a follows the end of the process with that (Windows) id: it opens
 * it now, and later waits until the process object is signaled, which is
 * when Windows says the process has ended and its handles are closed.
 */
void mc_watch_process_where(MC_WHERE, struct mc_agent *a, uint64_t pid);
void mc_await_exit_where(MC_WHERE, struct mc_agent *a, uint64_t pid);

#define mc_agent_start(label)            mc_agent_start_where(MC_HERE, label)
#define mc_fork(parent, label)           mc_fork_where(MC_HERE, parent, label)
#define mc_spawn(parent, label, handles) mc_spawn_where(MC_HERE, parent, label, handles)
#define mc_exec(a)                       mc_exec_where(MC_HERE, a)
#define mc_raw_handle(a, h)              mc_raw_handle_where(MC_HERE, a, h)
#define mc_try_read_through_raw(a, raw, length) mc_try_read_through_raw_where(MC_HERE, a, raw, length)
#define mc_duplicate(a, h, target, access) mc_duplicate_where(MC_HERE, a, h, target, access)
#define mc_adopt(a, raw)                 mc_adopt_where(MC_HERE, a, raw)
#define mc_exit(a)                       mc_exit_where(MC_HERE, a)
#define mc_crash(a, signal)              mc_crash_where(MC_HERE, a, signal)
#define mc_kill(a)                       mc_kill_where(MC_HERE, a)
#define mc_terminate(a, victim)          mc_terminate_where(MC_HERE, a, victim)
#define mc_become_other_user(a)          mc_become_other_user_where(MC_HERE, a)
#define mc_umask(a, mask)                mc_umask_where(MC_HERE, a, mask)
#define mc_watch_process(a, pid)         mc_watch_process_where(MC_HERE, a, pid)
#define mc_await_exit(a, pid)            mc_await_exit_where(MC_HERE, a, pid)

#endif
