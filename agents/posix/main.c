/*
 * mapconf-agent: reads requests from stdin, answers on stdout
 * (agents/common/serve.c serves them).
 *
 * It starts by announcing itself ("ready pid=... arch=..."), then serves
 * requests until "exit", end of input, or a crash it was asked for.
 */
#define _GNU_SOURCE
#include "agent.h"
#include "arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <unistd.h>
#include <sys/shm.h>
#include <sys/prctl.h>

#define HANDLES_MAX 64

struct handle {
	int value;    /* descriptor or segment id, plus one: 0 marks a free slot */
	bool sysv;
	uintptr_t region;   /* anon-fork: the shared anonymous region (value is 1) */
};

static struct handle handles[HANDLES_MAX];

static int handle_index(const char *text);

static int handle_put(int value, bool sysv)
{
	for (int i = 1; i < HANDLES_MAX; i++) {
		if (handles[i].value == 0) {
			handles[i].value = value + 1;
			handles[i].sysv = sysv;
			return i;
		}
	}
	return -1;
}

int handle_add(int fd)
{
	return handle_put(fd, false);
}

int handle_add_sysv(int shmid)
{
	return handle_put(shmid, true);
}

int handle_add_region(uintptr_t region)
{
	int h = handle_put(0, false);

	if (h > 0)
		handles[h].region = region;
	return h;
}

uintptr_t handle_region(const char *text)
{
	int i = handle_index(text);

	return i < 0 ? 0 : handles[i].region;
}

static int handle_index(const char *text)
{
	uint64_t i;

	if (!text || text[0] != 'h' || mc_parse_u64(text + 1, &i) || i == 0 ||
	    i >= HANDLES_MAX || handles[i].value == 0)
		return -1;
	return (int)i;
}

int handle_fd(const char *text)
{
	int i = handle_index(text);

	return i < 0 || handles[i].sysv || handles[i].region ? -1 : handles[i].value - 1;
}

int handle_sysv(const char *text)
{
	int i = handle_index(text);

	return i < 0 || !handles[i].sysv ? -1 : handles[i].value - 1;
}

void handle_remove(const char *text)
{
	int i = handle_index(text);

	if (i >= 0) {
		handles[i].value = 0;
		handles[i].region = 0;
	}
}

static uintptr_t attaches[HANDLES_MAX];

void attach_add(uintptr_t addr)
{
	for (int i = 0; i < HANDLES_MAX; i++) {
		if (!attaches[i]) {
			attaches[i] = addr;
			return;
		}
	}
}

bool attach_remove(uintptr_t addr)
{
	for (int i = 0; i < HANDLES_MAX; i++) {
		if (attaches[i] == addr) {
			attaches[i] = 0;
			return true;
		}
	}
	return false;
}

/* the first table that has a verb serves it */
const struct verb *const agent_verbs[] = {
	object_verbs, view_verbs, range_verbs, touch_verbs, memory_verbs, process_verbs, own_process_verbs,
	sync_verbs, own_sync_verbs, library_verbs, fork_verbs, NULL,
};

/*
 * If the controller dies, so do its agents: nothing is left running. The
 * parent check closes the race where the controller died before prctl.
 */
static void die_with_controller(void)
{
	const char *expected = getenv("MAPCONF_CONTROLLER_PID");
	uint64_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (expected && mc_parse_u64(expected, &pid) == 0 && getppid() != (pid_t)pid)
		_exit(125);
}

int main(void)
{
	die_with_controller();
	guard_install();
	/* children made by "fork" are reaped by the kernel; the controller watches them itself */
	signal(SIGCHLD, SIG_IGN);
	printf("ready pid=%ld arch=%s ptr=%zu page=%ld shmlba=%ld\n", (long)getpid(),
	       MAPCONF_ARCH, sizeof(void *), sysconf(_SC_PAGESIZE), (long)SHMLBA);
	fflush(stdout);
	return serve_requests();
}
