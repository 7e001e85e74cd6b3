/*
 * Synchronise writers (C11): synchronisation objects placed in the mapping
 * work across processes. Three agents (eight in SYNC-005) work on one
 * object at the same time (all requests are sent before any answer is
 * read); a broken lock shows as a wrong total, because each increment is a
 * slow read-modify-write.
 */
#include "mapconf.h"

#define WORKERS 3
#define MANY_WORKERS 8
#define INCREMENTS 100
/*
 * The lock sits at the start of the mapping, then the start barrier; the
 * counter is on the next page, so that a platform that shares only part of
 * a view shows as a wrong total, not as a start barrier never reached.
 */
#define BARRIER_OFFSET 128
#define COUNTER_OFFSET (MC_PAGE + 256)

/* n agents with a view each of one new object; A created it. */
static void views_of_one_object(struct mc_object *obj, int n, struct mc_agent **agents, uintptr_t *views)
{
	for (int i = 0; i < n; i++)
		agents[i] = mc_agent_start(mc_agent_letter(i));
	views[0] = mc_create_map(agents[0], obj);
	for (int i = 1; i < n; i++)
		views[i] = mc_open_map(agents[i], obj);
}

static void check_total(struct mc_agent *a, uintptr_t counter, int workers)
{
	struct mc_reply total = mc_load64(a, counter);

	mc_check_compare("increments-exact", mc_answered(&total, "value"), "==", mc_number(workers * INCREMENTS));
}

/*
 * workers agents each add INCREMENTS to one counter in the mapping, all at
 * once, under guard, whose lock (if any) sits at the start of the mapping.
 * A worker that answers an error (its start barrier was never reached, or
 * its lock was never granted) means the agents do not share what the case
 * relies on.
 */
static void check_exact_totals(int workers, enum mc_guard guard)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *agents[MANY_WORKERS];
	uintptr_t views[MANY_WORKERS];
	struct mc_adder adders[MANY_WORKERS];
	struct mc_reply replies[MANY_WORKERS];

	views_of_one_object(obj, workers, agents, views);
	if (guard == MC_GUARD_MUTEX)
		mc_mutex_init(agents[0], views[0]);
	else if (guard == MC_GUARD_SEMAPHORE)
		mc_sem_init(agents[0], views[0], 1);
	for (int i = 0; i < workers; i++)
		adders[i] = (struct mc_adder){ .agent = agents[i], .counter = views[i] + COUNTER_OFFSET,
					       .barrier = views[i] + BARRIER_OFFSET, .lock = views[i] };
	mc_try_add_together(adders, workers, guard, INCREMENTS, replies);
	for (int i = 0; i < workers; i++)
		mc_check_ok("worker-increments-done", &replies[i], "a worker's increments");
	check_total(agents[0], views[0] + COUNTER_OFFSET, workers);
}

/*
 * SYNC-001: A process-shared mutex in the mapping (Win32: a named mutex, found
 * through an id in the mapping) makes increments from three agents at once
 * exact.
 */
static void shared_mutex_gives_exact_totals(void)
{
	check_exact_totals(WORKERS, MC_GUARD_MUTEX);
}

/*
 * SYNC-002: A robust process-shared mutex (Win32: a named mutex) whose owner
 * was killed reports EOWNERDEAD (Win32: WAIT_ABANDONED) to the next locker.
 *
 * B is reaped before C asks, and its death marks the mutex, so C need not wait:
 * still held means never released.
 */
static void robust_mutex_reports_dead_owner(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B"), *c = mc_agent_start("C");
	uintptr_t va = mc_create_map(a, obj);
	uintptr_t vb = mc_open_map(b, obj), vc = mc_open_map(c, obj);

	mc_mutex_init_robust(a, va);
	mc_mutex_lock(b, vb);
	mc_kill(b);
	struct mc_reply r = mc_try_mutex_lock_now(c, vc);
	mc_check_ok("c-locks-mutex", &r, "C locks the mutex its killed owner B held");
	mc_check_compare("owner-dead-reported", mc_answered(&r, "owner_dead"), "==", mc_number(1));
}

/*
 * SYNC-003: A process-shared semaphore in the mapping (Win32: a named
 * semaphore, found through an id in the mapping) makes increments from three
 * agents at once exact.
 */
static void shared_semaphore_gives_exact_totals(void)
{
	check_exact_totals(WORKERS, MC_GUARD_SEMAPHORE);
}

/*
 * SYNC-004: Atomic increments on the mapping from three agents at once are
 * exact.
 */
static void atomic_increments_are_exact(void)
{
	check_exact_totals(WORKERS, MC_GUARD_ATOMIC);
}

/*
 * SYNC-005: Eight agents that each add 100 to one counter in the mapping, all
 * at once, under one process-shared mutex in the mapping (Win32: a named mutex
 * beside it), get an exact total of 800.
 */
static void eight_agents_under_one_mutex(void)
{
	check_exact_totals(MANY_WORKERS, MC_GUARD_MUTEX);
}

static const struct mc_case cases[] = {
	MC_CASE("SYNC-001", shared_mutex_gives_exact_totals),
	MC_CASE("SYNC-002", robust_mutex_reports_dead_owner),
	MC_CASE("SYNC-003", shared_semaphore_gives_exact_totals),
	MC_CASE("SYNC-004", atomic_increments_are_exact),
	MC_CASE("SYNC-005", eight_agents_under_one_mutex),
};
MC_MAIN("sync", cases)
