/*
 * What the verbs both agents share (agents/common/verbs_*.c) need of the
 * system: small functions each agent implements with its own API, in its
 * own files (agents/posix/, agents/win32/), so that the shared verbs hold
 * the logic once and no system call.
 */
#ifndef MAPCONF_AGENT_SYSTEM_H
#define MAPCONF_AGENT_SYSTEM_H

#include "agent_common.h"

#include <stdint.h>

/*
 * How long any wait may take before the agent says so: a lock never
 * granted is an answer ("timeout"), not a hung agent.
 */
#define AGENT_WAIT_MS 3000

/* The agent's own life (verbs_process.c). */
enum crash { CRASH_KILL, CRASH_SEGV, CRASH_BUS, CRASH_ABRT };
/* Ends the agent at once with that status. */
__attribute__((noreturn)) void agent_exit(int code);
/* Ends the agent the way that signal would (or the exception that is its counterpart), answering nothing. */
__attribute__((noreturn)) void agent_crash(enum crash how);
/* Blocks for good, answering nothing: only the controller's timeout ends it. */
__attribute__((noreturn)) void agent_hang(void);

/* Address ranges (verbs_range.c). */
/* An aligned range free right now (reserved, then released): 0 with its address, or -1 after answering. */
int find_free_range(uint64_t length, uintptr_t *addr);
/* Changes the access of a range of a view: 0, or -1 after answering. */
int protect_range(uintptr_t addr, uint64_t length, enum access access);
/* Flushes a range of a view to the object behind it, as mode= asks (NULL: sync): 0, or -1 after answering. */
int flush_range(uintptr_t addr, uint64_t length, const char *mode);

/* Synchronisation inside a mapping (verbs_sync.c). */
/* Milliseconds on a clock that only goes forward. */
uint64_t clock_ms(void);
/* Gives the processor to another ready thread: where a broken lock shows as a lost update. */
void yield_processor(void);
/* One atomic increment of *counter. */
void atomic_increment(uint64_t *counter);
/*
 * A read, a yield, a write: an increment that only a working lock keeps
 * whole. Not the system's: verbs_sync.c offers it, for a fault build to
 * tear an increment with.
 */
void slow_increment(volatile uint64_t *counter);
/*
 * The mutex or the semaphore at an address of a view: NULL after answering
 * when there is none. Taking it waits AGENT_WAIT_MS at most: 0 once held
 * (an abandoned mutex too), -1 after answering.
 */
void *mutex_at(uintptr_t addr);
int mutex_take(void *mutex);
void mutex_give(void *mutex);
void *semaphore_at(uintptr_t addr);
int semaphore_take(void *semaphore);
void semaphore_give(void *semaphore);

/* The test library (verbs_library.c). */
/* Loads it the first time: 0, or -1 after answering. */
int library_load(void);
/* An allocation through it (NULL when there is no memory), and its release. */
void *library_alloc(uint64_t size);
void library_free(void *p);
/* The global var names (NULL: the ordinary one), as this process sees it. */
int *library_global(const char *var);

/* Memory from the process's own allocators (verbs_memory.c): zeroed, of kind; NULL after answering. */
void *allocate(const char *kind, uint64_t size);

/* The answer to an allocation that found no memory. */
void answer_no_memory(void);

#endif
