/*
 * Synchronise writers (C11): synchronisation objects placed in the mapping
 * work across processes. Three agents work on one object at the same time
 * (all requests are sent before any answer is read); a broken lock shows as
 * a wrong total, because each increment is a slow read-modify-write.
 */
#include "mapconf.h"

#include <stdio.h>

#define WORKERS 3
#define INCREMENTS 5000
/* the lock sits at the start of the mapping; then the start barrier and the counter */
#define BARRIER_OFFSET 128
#define COUNTER_OFFSET 256

/* Three agents with a view each of one new object; A created it. */
static void three_views(struct mc_object *obj, struct mc_agent **agents, uintptr_t *views)
{
	static const char *labels[WORKERS] = { "A", "B", "C" };

	for (int i = 0; i < WORKERS; i++)
		agents[i] = mc_agent_start(labels[i]);
	views[0] = mc_create_map(agents[0], obj);
	for (int i = 1; i < WORKERS; i++)
		views[i] = mc_open_map(agents[i], obj);
}

/* The start barrier's fields for a worker whose view is at view. */
static const char *barrier(uintptr_t view)
{
	static char text[96];

	snprintf(text, sizeof(text), " barrier=0x%lx parties=%d", (unsigned long)(view + BARRIER_OFFSET),
		 WORKERS);
	return text;
}

/*
 * The workers' requests, sent to all before any answer is read. A worker
 * that answers an error (its start barrier was never reached, or its lock
 * was never granted) means the agents do not share what the case relies on.
 */
static void run_workers(struct mc_agent **agents, char requests[][256])
{
	struct mc_reply replies[WORKERS];

	mc_try_each(agents, WORKERS, requests, replies);
	for (int i = 0; i < WORKERS; i++)
		mc_check_ok(&replies[i], "a worker's increments");
}

static void check_total(struct mc_agent *a, uintptr_t counter, const char *how)
{
	struct mc_reply r = mc_step(a, "load64 addr=0x%lx", (unsigned long)counter);
	uint64_t total = mc_field_u64(&r, "value");

	MC_CHECK(total == (uint64_t)WORKERS * INCREMENTS,
		 "%d agents x %d increments %s gave %llu, expected %d", WORKERS, INCREMENTS, how,
		 (unsigned long long)total, WORKERS * INCREMENTS);
}

/*
 * Three agents each add INCREMENTS to one counter in the mapping, all at
 * once, with the verb add; lock names add's field for the lock at the start
 * of the mapping, which init (when not NULL) sets up first.
 */
static void check_exact_totals(const char *init, const char *add, const char *lock, const char *how)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *agents[WORKERS];
	uintptr_t views[WORKERS];
	char requests[WORKERS][256];

	three_views(obj, agents, views);
	if (init)
		mc_step(agents[0], "%s addr=0x%lx", init, (unsigned long)views[0]);
	for (int i = 0; i < WORKERS; i++) {
		int n = snprintf(requests[i], sizeof(requests[i]), "%s counter=0x%lx count=%d%s", add,
				 (unsigned long)(views[i] + COUNTER_OFFSET), INCREMENTS, barrier(views[i]));

		if (lock)
			snprintf(requests[i] + n, sizeof(requests[i]) - (size_t)n, " %s=0x%lx", lock,
				 (unsigned long)views[i]);
	}
	run_workers(agents, requests);
	check_total(agents[0], views[0] + COUNTER_OFFSET, how);
}

/* SYNC-001: a process-shared mutex in the mapping makes increments from several agents exact. */
static void shared_mutex_gives_exact_totals(void)
{
	check_exact_totals("mutex_init", "locked_add", "mutex", "under a process-shared mutex");
}

/* SYNC-002: a robust mutex whose owner died reports that (EOWNERDEAD) to the next locker. */
static void robust_mutex_reports_dead_owner(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B"), *c = mc_agent_start("C");
	uintptr_t va = mc_create_map(a, obj);
	uintptr_t vb = mc_open_map(b, obj), vc = mc_open_map(c, obj);

	mc_step(a, "mutex_init addr=0x%lx robust=1", (unsigned long)va);
	mc_step(b, "mutex_lock addr=0x%lx", (unsigned long)vb);
	mc_kill(b);
	struct mc_reply r = mc_try(c, "mutex_lock addr=0x%lx", (unsigned long)vc);
	mc_check_ok(&r, "C locks the mutex its killed owner B held");
	MC_CHECK(mc_field_u64(&r, "owner_dead") == 1,
		 "C locked the mutex B died holding without being told its owner died: \"%s\"", r.text);
}

/* SYNC-003: a process-shared semaphore in the mapping makes increments from several agents exact. */
static void shared_semaphore_gives_exact_totals(void)
{
	check_exact_totals("sem_init value=1", "sem_add", "sem", "under a process-shared semaphore");
}

/* SYNC-004: atomic increments on the mapping from several agents are exact. */
static void atomic_increments_are_exact(void)
{
	check_exact_totals(NULL, "atomic_add", NULL, "with atomic adds");
}

static const struct mc_case cases[] = {
	MC_CASE("SYNC-001", shared_mutex_gives_exact_totals),
	MC_CASE("SYNC-002", robust_mutex_reports_dead_owner),
	MC_CASE("SYNC-003", shared_semaphore_gives_exact_totals),
	MC_CASE("SYNC-004", atomic_increments_are_exact),
};
MC_MAIN("sync", cases)
