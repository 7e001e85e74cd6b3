/*
 * Synchronisation objects placed in a mapping (a process-shared mutex, a
 * semaphore; Win32: a named mutex), and agents adding to one counter in a
 * mapping at the same time.
 */
#ifndef MAPCONF_STEPS_SYNC_H
#define MAPCONF_STEPS_SYNC_H

#include "objects.h"
#include "reply.h"

#include <stdint.h>

void mc_mutex_init_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
/* A robust mutex: the next locker is told when its owner died holding it. */
void mc_mutex_init_robust_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
/* The answer tells how the lock was got: owner_dead=1 (Win32: wait=WAIT_ABANDONED) after an owner died. */
struct mc_reply mc_mutex_lock_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
/* The lock only if it is free now: err code=busy when another holds it. */
struct mc_reply mc_try_mutex_lock_now_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
void mc_mutex_unlock_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
/* Win32: a named mutex under o's name (mutexes and sections share one namespace). */
void mc_mutex_create_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o);
void mc_sem_init_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, unsigned int value);
/* The answer "ok value=N": the 64-bit value at addr (an acquire load). */
struct mc_reply mc_load64_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);

/* What keeps concurrent increments of one counter apart. */
enum mc_guard {
	MC_GUARD_ATOMIC,         /* each increment is one atomic add */
	MC_GUARD_MUTEX,          /* each increment under a process-shared mutex */
	MC_GUARD_SEMAPHORE,      /* each increment between a wait and a post */
};

/* One agent's part in adding to a shared counter: addresses in its own view. */
struct mc_adder {
	struct mc_agent *agent;
	uintptr_t counter;
	uintptr_t barrier;       /* the start barrier every adder waits at */
	uintptr_t lock;          /* the mutex or semaphore (not used by MC_GUARD_ATOMIC) */
};

/*
 * Each of the n adders adds 1 to its counter count times, under guard; all
 * requests are sent before any answer is read, and the start barrier makes
 * them run at once. replies[i] is adders[i]'s answer, for a check to judge
 * (an error means the adders do not share the barrier or the lock).
 */
void mc_try_add_together_where(MC_WHERE, const struct mc_adder *adders, int n, enum mc_guard guard,
			       int count, struct mc_reply *replies);

#define mc_mutex_init(a, addr)           mc_mutex_init_where(MC_HERE, a, addr)
#define mc_mutex_init_robust(a, addr)    mc_mutex_init_robust_where(MC_HERE, a, addr)
#define mc_mutex_lock(a, addr)           mc_mutex_lock_where(MC_HERE, a, addr)
#define mc_try_mutex_lock_now(a, addr)   mc_try_mutex_lock_now_where(MC_HERE, a, addr)
#define mc_mutex_unlock(a, addr)         mc_mutex_unlock_where(MC_HERE, a, addr)
#define mc_mutex_create(a, o)            mc_mutex_create_where(MC_HERE, a, o)
#define mc_sem_init(a, addr, value)      mc_sem_init_where(MC_HERE, a, addr, value)
#define mc_load64(a, addr)               mc_load64_where(MC_HERE, a, addr)
#define mc_try_add_together(adders, n, guard, count, replies) \
	mc_try_add_together_where(MC_HERE, adders, n, guard, count, replies)

#endif
