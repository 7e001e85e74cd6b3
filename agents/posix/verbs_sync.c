/*
 * Synchronisation inside a mapping (C11) on POSIX: process-shared mutexes
 * (robust or not) and semaphores, which live in the mapping itself, used by
 * several agents on the same view at the same time. The increments under
 * them and the barrier are the same in every agent
 * (agents/common/verbs_sync.c).
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <string.h>
#include <time.h>

/* How long a lock may wait before the agent says so (answered in seconds) */
#define LOCK_WAIT_S (AGENT_WAIT_MS / 1000)

uint64_t clock_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

void yield_processor(void)
{
	sched_yield();
}

void atomic_increment(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
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

void *mutex_at(uintptr_t addr)
{
	return (void *)addr;
}

int mutex_take(void *mutex)
{
	int rc = lock(mutex, 0);

	if (rc && rc != EOWNERDEAD) {
		answer_lock_error(rc);
		return -1;
	}
	return 0;
}

void mutex_give(void *mutex)
{
	pthread_mutex_unlock(mutex);
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

void *semaphore_at(uintptr_t addr)
{
	return (void *)addr;
}

int semaphore_take(void *semaphore)
{
	struct timespec until = deadline();

	if (sem_timedwait(semaphore, &until)) {
		answer_lock_error(errno);
		return -1;
	}
	return 0;
}

void semaphore_give(void *semaphore)
{
	sem_post(semaphore);
}

const struct verb own_sync_verbs[] = {
	{ "mutex_init", verb_mutex_init },
	{ "mutex_lock", verb_mutex_lock },
	{ "mutex_unlock", verb_mutex_unlock },
	{ "sem_init", verb_sem_init },
	{ NULL, NULL },
};
