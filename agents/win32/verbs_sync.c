/*
 * Synchronising writers (C11), the Win32 way. Win32 has no mutex or
 * semaphore that lives inside a mapping; process-shared ones are named
 * kernel objects. So the object is put beside the mapping, and the mapping
 * holds what finds it: "mutex_init addr=" creates a named mutex and writes
 * its 64-bit id at addr; every agent that locks "the mutex at addr" of its
 * own view reads the id there and opens the mutex by its name. The verbs and
 * answers are those of the POSIX agent; the increments under a lock and the
 * barrier are the same in every agent (agents/common/verbs_sync.c).
 *
 * A Win32 mutex is always robust: when its owner dies, the next waiter gets
 * WAIT_ABANDONED (answered owner_dead=1 wait=WAIT_ABANDONED).
 */
#define _CRT_RAND_S
#include "agent.h"
#include "faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYNC_MAX 64

enum kind { KIND_MUTEX, KIND_SEMAPHORE };

/* the objects this agent created or opened, by id, kept open until it ends */
static struct {
	uint64_t id;
	HANDLE handle;
} known[SYNC_MAX];

static const wchar_t *object_name(enum kind kind, uint64_t id)
{
	char name[64];

	snprintf(name, sizeof(name), "mapconf-%s-%016llx", kind == KIND_MUTEX ? "mutex" : "semaphore",
		 (unsigned long long)id);
	return wide(name);
}

static void remember(uint64_t id, HANDLE handle)
{
	for (int i = 0; i < SYNC_MAX; i++) {
		if (!known[i].id) {
			known[i].id = id;
			known[i].handle = handle;
			return;
		}
	}
}

static uint64_t fresh_id(void)
{
	unsigned int hi = 0, lo = 0;

	rand_s(&hi);
	rand_s(&lo);
	return ((uint64_t)hi << 32 | lo) | 1;   /* never 0: 0 marks an empty slot */
}

/*
 * The object whose id is at addr (in this agent's view): opened by name the
 * first time. NULL after answering when there is none.
 */
static HANDLE find(enum kind kind, uintptr_t addr)
{
	uint64_t id = __atomic_load_n((uint64_t *)addr, __ATOMIC_ACQUIRE);
	HANDLE h;

	if (!id) {
		answer_err("invalid_argument", "none", "detail=no_%s_initialised_at_addr",
			   kind == KIND_MUTEX ? "mutex" : "semaphore");
		return NULL;
	}
	for (int i = 0; i < SYNC_MAX; i++)
		if (known[i].id == id)
			return known[i].handle;
	if (kind == KIND_MUTEX)
		h = OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, object_name(kind, id));
	else
		h = OpenSemaphoreW(SYNCHRONIZE | SEMAPHORE_MODIFY_STATE, FALSE, object_name(kind, id));
	if (!h) {
		answer_win32(GetLastError());
		return NULL;
	}
	remember(id, h);
	return h;
}

/* Creates the named object and writes its id at addr. */
static void init_at(enum kind kind, uintptr_t addr, LONG value)
{
	uint64_t id = fresh_id();
	HANDLE h;

	if (kind == KIND_MUTEX)
		h = CreateMutexW(NULL, FALSE, object_name(kind, id));
	else
		h = CreateSemaphoreW(NULL, value, 0x7fffffff, object_name(kind, id));
	if (!h) {
		answer_win32(GetLastError());
		return;
	}
	remember(id, h);
	__atomic_store_n((uint64_t *)addr, id, __ATOMIC_RELEASE);
	answer_ok("size=8 id=%016llx", (unsigned long long)id);
}

/*
 * A wait of at most ms: 0 granted, 1 granted after the owner died
 * (WAIT_ABANDONED), -1 after answering (busy or timeout, or failure).
 */
static int wait_for(HANDLE h, DWORD ms)
{
	switch (WaitForSingleObject(h, ms)) {
	case WAIT_OBJECT_0:
		return 0;
	case WAIT_ABANDONED:
		return fault_is("abandoned-unreported") ? 0 : 1;
	case WAIT_TIMEOUT:
		if (ms == 0)
			answer_err("busy", "WAIT_TIMEOUT", "detail=held_by_another");
		else
			answer_err("timeout", "WAIT_TIMEOUT", "detail=not_granted_within_%dms", AGENT_WAIT_MS);
		return -1;
	default:
		answer_win32(GetLastError());
		return -1;
	}
}

uint64_t clock_ms(void)
{
	return GetTickCount64();
}

void yield_processor(void)
{
	SwitchToThread();
}

void atomic_increment(uint64_t *counter)
{
	if (fault_is("atomic-add-torn"))
		slow_increment(counter);
	else
		__atomic_fetch_add(counter, 1, __ATOMIC_SEQ_CST);
}

/* mutex_init addr= [robust=1] (every Win32 mutex reports abandonment) */
static void verb_mutex_init(const struct mc_line *req)
{
	uintptr_t addr;

	if (!need_addr(req, "addr", &addr))
		init_at(KIND_MUTEX, addr, 0);
}

/* mutex_lock addr= [wait=none] : owner_dead=1 wait=WAIT_ABANDONED when the previous owner died holding it */
static void verb_mutex_lock(const struct mc_line *req)
{
	const char *wait = mc_line_get(req, "wait");
	DWORD ms = wait && !strcmp(wait, "none") ? 0 : AGENT_WAIT_MS;
	uintptr_t addr;
	HANDLE h;
	int rc;

	if (need_addr(req, "addr", &addr) || !(h = find(KIND_MUTEX, addr)) || (rc = wait_for(h, ms)) < 0)
		return;
	answer_ok("owner_dead=%d wait=%s", rc, rc ? "WAIT_ABANDONED" : "WAIT_OBJECT_0");
}

/* mutex_unlock addr= */
static void verb_mutex_unlock(const struct mc_line *req)
{
	uintptr_t addr;
	HANDLE h;

	if (need_addr(req, "addr", &addr) || !(h = find(KIND_MUTEX, addr)))
		return;
	if (!ReleaseMutex(h))
		answer_win32(GetLastError());
	else
		answer_ok(NULL);
}

void *mutex_at(uintptr_t addr)
{
	return find(KIND_MUTEX, addr);
}

int mutex_take(void *mutex)
{
	return fault_is("mutex-noop") || wait_for(mutex, AGENT_WAIT_MS) >= 0 ? 0 : -1;
}

void mutex_give(void *mutex)
{
	ReleaseMutex(mutex);
}

/* sem_init addr= value= */
static void verb_sem_init(const struct mc_line *req)
{
	uintptr_t addr;
	uint64_t value;

	if (!need_addr(req, "addr", &addr) && !need_u64(req, "value", &value))
		init_at(KIND_SEMAPHORE, addr, (LONG)value);
}

void *semaphore_at(uintptr_t addr)
{
	return find(KIND_SEMAPHORE, addr);
}

int semaphore_take(void *semaphore)
{
	return fault_is("sem-noop") || wait_for(semaphore, AGENT_WAIT_MS) >= 0 ? 0 : -1;
}

void semaphore_give(void *semaphore)
{
	ReleaseSemaphore(semaphore, 1, NULL);
}

/*
 * mutex_create name= : a named mutex under that very name (sections,
 * mutexes, events and semaphores share one namespace), kept open until the
 * agent ends; answers existed=1 when the name was a mutex already.
 */
static void verb_mutex_create(const struct mc_line *req)
{
	const char *name = need_str(req, "name");
	HANDLE h;

	if (!name)
		return;
	SetLastError(0);
	h = CreateMutexW(NULL, FALSE, wide(name));
	if (!h) {
		answer_win32(GetLastError());
		return;
	}
	answer_ok("existed=%d", GetLastError() == ERROR_ALREADY_EXISTS);
}

const struct verb own_sync_verbs[] = {
	{ "mutex_create", verb_mutex_create },
	{ "mutex_init", verb_mutex_init },
	{ "mutex_lock", verb_mutex_lock },
	{ "mutex_unlock", verb_mutex_unlock },
	{ "sem_init", verb_sem_init },
	{ NULL, NULL },
};
