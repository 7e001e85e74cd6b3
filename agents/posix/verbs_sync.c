/*
 * Synchronisation inside a mapping (C11): process-shared mutexes (robust or
 * not), process-shared semaphores and atomic increments, each used by
 * several agents on the same view at the same time.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>

/* How long a lock may wait before the agent says so: a lock that is never
 * granted is an answer ("timeout"), not a hung agent. */
#define LOCK_WAIT_S 3

/*
 * The work inside each critical section: a read, a yield, a write. Under a
 * working lock the other workers are blocked, so the yield comes straight
 * back; under a broken one it hands the processor to a worker that reads
 * the same value, so a lost update is near-certain even on a machine whose
 * processors rarely interleave: a broken lock shows as a wrong total, not
 * as bad luck.
 */
static void slow_increment(volatile uint64_t *counter)
{
	uint64_t v = *counter;

	sched_yield();
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
	uint64_t parties;
	struct timespec start, now;

	if (!mc_line_get(req, "barrier"))
		return 0;
	if (need_addr(req, "barrier", &barrier) || need_u64(req, "parties", &parties))
		return -1;
	__atomic_fetch_add((uint64_t *)barrier, 1, __ATOMIC_SEQ_CST);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (__atomic_load_n((uint64_t *)barrier, __ATOMIC_SEQ_CST) < parties) {
		/* the agents still to come may need this processor to get here */
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > LOCK_WAIT_S) {
			answer_err("timeout", "none", "detail=barrier_not_reached_by_%llu_agents",
				   (unsigned long long)parties);
			return -1;
		}
	}
	return 0;
}

static struct timespec deadline(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += LOCK_WAIT_S;
	return ts;
}

/* mutex_init addr= [robust=1] */
static void verb_mutex_init(const struct mc_line *req)
{
	pthread_mutexattr_t attr;
	uint64_t robust = 0;
	uintptr_t addr;
	int rc;

	if (need_addr(req, "addr", &addr))
		return;
	mc_line_get_u64(req, "robust", &robust);
	pthread_mutexattr_init(&attr);
	rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	if (!rc && robust)
		rc = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (!rc)
		rc = pthread_mutex_init((pthread_mutex_t *)addr, &attr);
	pthread_mutexattr_destroy(&attr);
	if (rc)
		answer_errno(rc);
	else
		answer_ok("size=%zu", sizeof(pthread_mutex_t));
}

/*
 * Lock, making an abandoned robust mutex consistent; returns 0, EOWNERDEAD
 * or an error. Without waiting (now), a held mutex is EBUSY at once: a
 * killed owner's robust mutex is marked before the owner can be reaped, so
 * a platform that never marks it needs no timeout to show.
 */
static int lock(pthread_mutex_t *m, int now)
{
	struct timespec until = deadline();
	int rc = now ? pthread_mutex_trylock(m) : pthread_mutex_timedlock(m, &until);

	if (rc == EOWNERDEAD)
		pthread_mutex_consistent(m);
	return rc;
}

static void answer_lock_error(int rc)
{
	if (rc == ETIMEDOUT)
		answer_err("timeout", "ETIMEDOUT", "detail=not_granted_within_%ds", LOCK_WAIT_S);
	else if (rc == EBUSY)
		answer_err("busy", "EBUSY", "detail=held_by_another");
	else
		answer_errno(rc);
}

/* mutex_lock addr= [wait=none] : owner_dead=1 when the previous owner died holding it */
static void verb_mutex_lock(const struct mc_line *req)
{
	const char *wait = mc_line_get(req, "wait");
	uintptr_t addr;
	int rc;

	if (need_addr(req, "addr", &addr))
		return;
	rc = lock((pthread_mutex_t *)addr, wait && !strcmp(wait, "none"));
	if (rc && rc != EOWNERDEAD)
		answer_lock_error(rc);
	else
		answer_ok("owner_dead=%d", rc == EOWNERDEAD);
}

/* mutex_unlock addr= */
static void verb_mutex_unlock(const struct mc_line *req)
{
	uintptr_t addr;
	int rc;

	if (need_addr(req, "addr", &addr))
		return;
	rc = pthread_mutex_unlock((pthread_mutex_t *)addr);
	if (rc)
		answer_errno(rc);
	else
		answer_ok(NULL);
}

/* locked_add mutex= counter= count= [barrier= parties=] : count increments, each under the mutex */
static void verb_locked_add(const struct mc_line *req)
{
	uintptr_t mutex, counter;
	uint64_t count;

	if (need_addr(req, "mutex", &mutex) || need_addr(req, "counter", &counter) ||
	    need_u64(req, "count", &count) || wait_at_barrier(req))
		return;
	for (uint64_t i = 0; i < count; i++) {
		int rc = lock((pthread_mutex_t *)mutex, 0);

		if (rc && rc != EOWNERDEAD) {
			answer_lock_error(rc);
			return;
		}
		slow_increment((volatile uint64_t *)counter);
		pthread_mutex_unlock((pthread_mutex_t *)mutex);
	}
	answer_ok(NULL);
}

/* sem_init addr= value= : a process-shared semaphore in the mapping */
static void verb_sem_init(const struct mc_line *req)
{
	uintptr_t addr;
	uint64_t value;

	if (need_addr(req, "addr", &addr) || need_u64(req, "value", &value))
		return;
	if (sem_init((sem_t *)addr, 1, (unsigned int)value))
		answer_errno(errno);
	else
		answer_ok("size=%zu", sizeof(sem_t));
}

/* sem_add sem= counter= count= [barrier= parties=] : count increments, each between wait and post */
static void verb_sem_add(const struct mc_line *req)
{
	uintptr_t sem, counter;
	uint64_t count;

	if (need_addr(req, "sem", &sem) || need_addr(req, "counter", &counter) ||
	    need_u64(req, "count", &count) || wait_at_barrier(req))
		return;
	for (uint64_t i = 0; i < count; i++) {
		struct timespec until = deadline();

		if (sem_timedwait((sem_t *)sem, &until)) {
			answer_lock_error(errno);
			return;
		}
		slow_increment((volatile uint64_t *)counter);
		sem_post((sem_t *)sem);
	}
	answer_ok(NULL);
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
		__atomic_fetch_add((uint64_t *)counter, 1, __ATOMIC_SEQ_CST);
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
	{ "mutex_init", verb_mutex_init },
	{ "mutex_lock", verb_mutex_lock },
	{ "mutex_unlock", verb_mutex_unlock },
	{ "locked_add", verb_locked_add },
	{ "sem_init", verb_sem_init },
	{ "sem_add", verb_sem_add },
	{ "atomic_add", verb_atomic_add },
	{ "load64", verb_load64 },
	{ NULL, NULL },
};
