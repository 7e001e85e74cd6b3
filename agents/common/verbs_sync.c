/*
 * Synchronisation inside a mapping (C11), the part that is the same in
 * every agent: increments under a lock or atomic, a barrier that makes the
 * workers run at the same time, and reading a counter. The locks
 * themselves are each agent's (a POSIX mutex lives in the mapping, a Win32
 * one beside it: agent_system.h), as are the verbs that make them.
 */
#include "agent_common.h"
#include "agent_system.h"

/* How an increment verb finds, takes and gives back its lock. */
struct counter_lock {
	const char *field;      /* the request's field that holds the lock's address */
	void *(*at)(uintptr_t addr);
	int (*take)(void *lock);
	void (*give)(void *lock);
};

static const struct counter_lock by_mutex = { "mutex", mutex_at, mutex_take, mutex_give };
static const struct counter_lock by_semaphore = { "sem", semaphore_at, semaphore_take, semaphore_give };

/*
 * The work inside each critical section: a read, a yield, a write. Under a
 * working lock the other workers are blocked, so the yield comes straight
 * back; under a broken one it hands the processor to a worker that reads
 * the same value, so a lost update is near-certain even on a machine whose
 * processors rarely interleave: a broken lock shows as a wrong total, not
 * as bad luck.
 */
void slow_increment(volatile uint64_t *counter)
{
	uint64_t v = *counter;

	yield_processor();
	*counter = v + 1;
}

/*
 * barrier= parties= : wait until that many agents have arrived at the
 * barrier word in the mapping, so that the workers really run at the same
 * time (agents started one after another would otherwise barely overlap).
 * Returns 0, or -1 after answering when the others never arrive.
 */
static int wait_at_barrier(const struct mc_line *req)
{
	uintptr_t barrier;
	uint64_t parties, start = clock_ms();

	if (!mc_line_get(req, "barrier"))
		return 0;
	if (need_addr(req, "barrier", &barrier) || need_u64(req, "parties", &parties))
		return -1;
	__atomic_fetch_add((uint64_t *)barrier, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n((uint64_t *)barrier, __ATOMIC_SEQ_CST) < parties) {
		/* the agents still to come may need this processor to get here */
		yield_processor();
		if (clock_ms() - start > AGENT_WAIT_MS) {
			answer_err("timeout", "none", "detail=barrier_not_reached_by_%llu_agents",
				   (unsigned long long)parties);
			return -1;
		}
	}
	return 0;
}

/* count increments of the counter, each under the lock */
static void add_under(const struct mc_line *req, const struct counter_lock *how)
{
	uintptr_t addr, counter;
	uint64_t count;
	void *lock;

	if (need_addr(req, how->field, &addr) || need_addr(req, "counter", &counter) ||
	    need_u64(req, "count", &count) || !(lock = how->at(addr)) || wait_at_barrier(req))
		return;
	for (uint64_t i = 0; i < count; i++) {
		if (how->take(lock))
			return;
		slow_increment((volatile uint64_t *)counter);
		how->give(lock);
	}
	answer_ok(NULL);
}

/* locked_add mutex= counter= count= [barrier= parties=] : count increments, each under the mutex */
static void verb_locked_add(const struct mc_line *req)
{
	add_under(req, &by_mutex);
}

/* sem_add sem= counter= count= [barrier= parties=] : count increments, each between wait and post */
static void verb_sem_add(const struct mc_line *req)
{
	add_under(req, &by_semaphore);
}

/* atomic_add counter= count= [barrier= parties=] */
static void verb_atomic_add(const struct mc_line *req)
{
	uintptr_t counter;
	uint64_t count;

	if (need_addr(req, "counter", &counter) || need_u64(req, "count", &count) ||
	    wait_at_barrier(req))
		return;
	for (uint64_t i = 0; i < count; i++)
		atomic_increment((uint64_t *)counter);
	answer_ok(NULL);
}

/* load64 addr= : the 64-bit value there (an acquire load) */
static void verb_load64(const struct mc_line *req)
{
	uintptr_t addr;

	if (need_addr(req, "addr", &addr))
		return;
	answer_ok("value=%llu", (unsigned long long)__atomic_load_n((uint64_t *)addr, __ATOMIC_ACQUIRE));
}

const struct verb sync_verbs[] = {
	{ "locked_add", verb_locked_add },
	{ "sem_add", verb_sem_add },
	{ "atomic_add", verb_atomic_add },
	{ "load64", verb_load64 },
	{ NULL, NULL },
};
