#include "steps_sync.h"
#include "requests.h"

#include <stdio.h>

#define ADDERS_MAX 8

void mc_mutex_init_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	mc_step_where(file, line, a, "mutex_init addr=0x%llx", (unsigned long long)addr);
}

void mc_mutex_init_robust_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	mc_step_where(file, line, a, "mutex_init addr=0x%llx robust=1", (unsigned long long)addr);
}

struct mc_reply mc_mutex_lock_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	return mc_step_where(file, line, a, "mutex_lock addr=0x%llx", (unsigned long long)addr);
}

struct mc_reply mc_try_mutex_lock_now_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	return mc_try_where(file, line, a, "mutex_lock addr=0x%llx wait=none", (unsigned long long)addr);
}

void mc_mutex_unlock_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	mc_step_where(file, line, a, "mutex_unlock addr=0x%llx", (unsigned long long)addr);
}

void mc_mutex_create_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	mc_step_where(file, line, a, "mutex_create name=%s", o->name);
}

void mc_sem_init_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, unsigned int value)
{
	mc_step_where(file, line, a, "sem_init value=%u addr=0x%llx", value, (unsigned long long)addr);
}

struct mc_reply mc_load64_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	struct mc_reply r = mc_step_where(file, line, a, "load64 addr=0x%llx", (unsigned long long)addr);

	return r;
}

/* The adder's request: its verb, and the field that names its lock. */
static void add_request(const struct mc_adder *adder, int parties, enum mc_guard guard, int count,
			char request[MC_REQUEST_EACH_MAX])
{
	static const char *const verbs[] = {
		[MC_GUARD_ATOMIC] = "atomic_add", [MC_GUARD_MUTEX] = "locked_add", [MC_GUARD_SEMAPHORE] = "sem_add",
	};
	static const char *const locks[] = {
		[MC_GUARD_ATOMIC] = NULL, [MC_GUARD_MUTEX] = "mutex", [MC_GUARD_SEMAPHORE] = "sem",
	};
	int n = snprintf(request, MC_REQUEST_EACH_MAX, "%s counter=0x%llx count=%d barrier=0x%llx parties=%d",
			 verbs[guard], (unsigned long long)adder->counter, count, (unsigned long long)adder->barrier,
			 parties);

	if (locks[guard])
		snprintf(request + n, MC_REQUEST_EACH_MAX - (size_t)n, " %s=0x%llx", locks[guard],
			 (unsigned long long)adder->lock);
}

void mc_try_add_together_where(MC_WHERE, const struct mc_adder *adders, int n, enum mc_guard guard,
			       int count, struct mc_reply *replies)
{
	struct mc_agent *agents[ADDERS_MAX];
	char requests[ADDERS_MAX][MC_REQUEST_EACH_MAX];

	if (n > ADDERS_MAX)
		mc_broken(file, line, "add", "more than %d agents adding together", ADDERS_MAX);
	for (int i = 0; i < n; i++) {
		agents[i] = adders[i].agent;
		add_request(&adders[i], n, guard, count, requests[i]);
	}
	mc_try_each_where(file, line, agents, n, requests, replies);
}
