#include "steps_process.h"
#include "memory_figure.h"
#include "requests.h"
#include "run_env.h"
#include "steps_memory.h"
#include "steps_view.h"
#include "trace.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define WHY_MAX 512

/* The nobody user and group: they own nothing a case made. */
#define OTHER_USER 65534

const char *mc_agent_letter(int i)
{
	static const char letters[] = "A\0B\0C\0D\0E\0F\0G\0H\0I\0J\0K\0L\0M\0N\0O\0P\0Q\0R\0S\0T\0U\0V\0W\0X\0Y\0Z";

	return i >= 0 && i < 26 ? letters + 2 * i : "?";
}

struct mc_agent *mc_agent_start_where(MC_WHERE, const char *label)
{
	char why[WHY_MAX];
	struct mc_agent *a;

	/* every agent, and so every page a case's agents bring in, is in the case's memory cgroup */
	mc_memory_join();
	a = mc_agent_spawn(label, why, sizeof(why));
	if (!a)
		mc_broken(file, line, "agent-start", "%s", why);
	return a;
}

/*
 * parent made no child with verb: it answered that it cannot (SKIP), or
 * another error, or the child never connected (ERROR, with why).
 */
static void __attribute__((noreturn)) end_without_child(MC_WHERE, struct mc_agent *parent, const char *verb,
							const char *what, const struct mc_reply *r,
							const char *why)
{
	if (r->text && !r->ok && strcmp(r->code, "unsupported") == 0)
		mc_skip(file, line, verb, "%s cannot %s: %s", mc_agent_label(parent), what, r->text);
	if (r->text && !r->ok)
		mc_broken(file, line, verb, "step failed: %s \"%s\" answered \"%s\"", mc_agent_label(parent),
			  verb, r->text);
	mc_broken(file, line, verb, "%s", why);
}

struct mc_agent *mc_fork_where(MC_WHERE, struct mc_agent *parent, const char *label)
{
	static int forks;
	char path[512], why[WHY_MAX];
	struct mc_reply r = { 0 };
	struct mc_agent *child;

	snprintf(path, sizeof(path), "%s/fork-%ld-%d", mc_scratch_dir(), (long)getpid(), ++forks);
	child = mc_agent_fork(parent, label, path, &r, why, sizeof(why));
	if (!child)
		end_without_child(file, line, parent, "fork", "fork", &r, why);
	return child;
}

struct mc_agent *mc_spawn_where(MC_WHERE, struct mc_agent *parent, const char *label, const char *handles)
{
	char why[WHY_MAX];
	struct mc_reply r = { 0 };
	struct mc_agent *child = mc_agent_spawn_child(parent, label, handles, &r, why, sizeof(why));

	if (!child)
		end_without_child(file, line, parent, "spawn", "spawn a child", &r, why);
	return child;
}

void mc_exec_where(MC_WHERE, struct mc_agent *a)
{
	char why[WHY_MAX];
	struct mc_reply r;

	mc_end_unless_answered(file, line, "exec", mc_agent_exec(a, &r, why, sizeof(why)), why);
	if (!r.ok)
		mc_broken(file, line, "exec", "step failed: %s \"exec\" answered \"%s\"", mc_agent_label(a),
			  r.text);
}

uint64_t mc_raw_handle_where(MC_WHERE, struct mc_agent *a, struct mc_handle h)
{
	struct mc_reply r = mc_step_where(file, line, a, "stat handle=%s", h.id);

	return mc_field_u64_where(file, line, &r, "raw");
}

/* Traced as one step ("chain"): which requests it makes depends on the answers, and a reproducer must do the same. */
static struct mc_reply read_through_raw(MC_WHERE, struct mc_agent *a, uint64_t raw, size_t length)
{
	struct mc_reply r = mc_try_where(file, line, a, "adopt raw=%llu", (unsigned long long)raw);

	if (!r.ok)
		return r;
	r = mc_try_map_where(file, line, a, mc_handle_of_where(file, line, &r), length,
				     (struct mc_map_opts){ .prot = "r" });
	if (!r.ok)
		return r;
	return mc_try_read_where(file, line, a, (uintptr_t)mc_field_u64_where(file, line, &r, "addr"), length);
}

struct mc_reply mc_try_read_through_raw_where(MC_WHERE, struct mc_agent *a, uint64_t raw, size_t length)
{
	struct mc_reply r;

	mc_trace("chain read_through_raw %s raw=%llu length=%zu", mc_agent_label(a), (unsigned long long)raw, length);
	r = read_through_raw(file, line, a, raw, length);
	mc_trace("chain-end #%d", r.seq);
	return r;
}

uint64_t mc_duplicate_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, struct mc_agent *target,
			    const char *access)
{
	unsigned long long pid = mc_announced_u64_where(file, line, target, "pid");
	struct mc_reply r = mc_step_where(file, line, a, "duplicate handle=%s pid=%llu access=%s", h.id, pid,
					  access);

	return mc_field_u64_where(file, line, &r, "raw");
}

struct mc_handle mc_adopt_where(MC_WHERE, struct mc_agent *a, uint64_t raw)
{
	struct mc_reply r = mc_step_where(file, line, a, "adopt raw=%llu", (unsigned long long)raw);

	return mc_handle_of_where(file, line, &r);
}

void mc_exit_where(MC_WHERE, struct mc_agent *a)
{
	char how[128];

	mc_step_where(file, line, a, "exit code=0");
	if (!mc_agent_ended_orderly(mc_agent_wait_end(a, how, sizeof(how))))
		mc_broken(file, line, "exit", "agent %s %s after an orderly exit", mc_agent_label(a), how);
}

void mc_crash_where(MC_WHERE, struct mc_agent *a, const char *signal)
{
	char request[64], why[WHY_MAX], how[128];
	struct mc_agent_end end;

	/* one step in the trace: what follows the request is the agent's end, not an answer */
	mc_trace("chain crash %s signal=%s", mc_agent_label(a), signal);
	snprintf(request, sizeof(request), "crash signal=%s", signal);
	mc_end_unless_answered(file, line, "crash", mc_agent_send(a, request, why, sizeof(why)), why);
	end = mc_agent_wait_end(a, how, sizeof(how));
	mc_trace("chain-end #0");
	if (!mc_agent_died_by(end, signal))
		mc_broken(file, line, "crash", "agent %s %s, not by SIG%s as it was told", mc_agent_label(a), how,
			  signal);
}

void mc_kill_where(MC_WHERE, struct mc_agent *a)
{
	if (!mc_agent_alive(a))
		mc_broken(file, line, "kill", "agent %s is not running", mc_agent_label(a));
	mc_trace("kill %s", mc_agent_label(a));
	mc_agent_kill(a);
}

void mc_terminate_where(MC_WHERE, struct mc_agent *a, struct mc_agent *victim)
{
	char how[128];

	if (!mc_agent_alive(victim))
		mc_broken(file, line, "terminate", "agent %s is not running", mc_agent_label(victim));
	mc_step_where(file, line, a, "terminate pid=%llu",
		      (unsigned long long)mc_announced_u64_where(file, line, victim, "pid"));
	/* a answered once Windows said victim has ended: its process must now go by itself */
	if (!mc_agent_wait_gone(victim, how, sizeof(how)))
		mc_broken(file, line, "terminate", "agent %s, which %s terminated, %s", mc_agent_label(victim),
			  mc_agent_label(a), how);
}

void mc_become_other_user_where(MC_WHERE, struct mc_agent *a)
{
	mc_step_where(file, line, a, "become uid=%d gid=%d", OTHER_USER, OTHER_USER);
}

void mc_umask_where(MC_WHERE, struct mc_agent *a, unsigned int mask)
{
	mc_step_where(file, line, a, "umask value=%03o", mask);
}

void mc_watch_process_where(MC_WHERE, struct mc_agent *a, uint64_t pid)
{
	mc_step_where(file, line, a, "watch pid=%llu", (unsigned long long)pid);
}

void mc_await_exit_where(MC_WHERE, struct mc_agent *a, uint64_t pid)
{
	mc_step_where(file, line, a, "await_exit pid=%llu", (unsigned long long)pid);
}
