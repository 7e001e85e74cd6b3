#define _GNU_SOURCE
#include "objects.h"
#include "protocol.h"
#include "case_main.h"
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/shm.h>

#define OBJECTS_MAX 32

static struct mc_object objects[OBJECTS_MAX];
static int nobjects;

static const char *run_id(void)
{
	const char *id = getenv("MAPCONF_RUN_ID");

	return id && *id ? id : "manual";
}

static const char *scratch_dir(void)
{
	const char *dir = getenv("MAPCONF_SCRATCH");

	return dir && *dir ? dir : "/tmp";
}

/*
 * A SysV key cannot carry the run id, so each one is also written down as
 * an empty file in the run's scratch directory: the runner removes the
 * segments named there when a case or a run ends, however it ended.
 */
static void mark_sysv_key(const struct mc_object *o)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/mapconf-%s-%ld-sysv-%08x", scratch_dir(), run_id(),
		 (long)getpid(), (unsigned int)mc_sysv_key(o->name));
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

/* Objects whose name is the path of a file in the scratch directory. */
static bool backed_by_file(const struct mc_object *o)
{
	return strcmp(o->backend, "file") == 0 || strcmp(o->backend, "win32-file") == 0;
}

static int remove_object(const struct mc_object *o)
{
	if (backed_by_file(o))
		return unlink(o->name);
	if (strcmp(o->backend, "sysv") == 0) {
		int shmid = shmget(mc_sysv_key(o->name), 0, 0);

		return shmid < 0 ? -1 : shmctl(shmid, IPC_RMID, NULL);
	}
	return shm_unlink(o->name);
}

struct mc_object *mc_object_new(uint64_t size)
{
	struct mc_object *o;
	unsigned int rnd = 0;

	if (nobjects == OBJECTS_MAX)
		mc_broken(__FILE__, __LINE__, "more than %d objects in one case", OBJECTS_MAX);
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (unsigned int)getpid() * 2654435761u;
	o = &objects[nobjects++];
	o->backend = mc_backend();
	o->size = size;
	if (backed_by_file(o))
		snprintf(o->name, sizeof(o->name), "%s/mapconf-%s-%ld-%d-%08x", scratch_dir(),
			 run_id(), (long)getpid(), nobjects, rnd);
	else if (strcmp(o->backend, "win32-section") == 0)   /* a Win32 name has no leading slash */
		snprintf(o->name, sizeof(o->name), "mapconf-%s-%ld-%d-%08x", run_id(),
			 (long)getpid(), nobjects, rnd);
	else
		snprintf(o->name, sizeof(o->name), "/mapconf-%s-%ld-%d-%08x", run_id(),
			 (long)getpid(), nobjects, rnd);
	if (strcmp(o->backend, "sysv") == 0)
		mark_sysv_key(o);
	return o;
}

/*
 * A Win32 name goes with the last handle to its section, so there is no
 * name to remove; a memfd and an anon-fork region have none at all.
 */
bool mc_object_has_name(const struct mc_object *o)
{
	return strcmp(o->backend, "memfd") != 0 && strcmp(o->backend, "anon-fork") != 0 &&
	       strncmp(o->backend, "win32-", 6) != 0;
}

const char *mc_object_memory_figure(const struct mc_object *o)
{
	return strcmp(o->backend, "file") == 0 ? "mapped" : "shmem";
}

void mc_objects_remove_all(void)
{
	for (int i = 0; i < nobjects; i++) {
		struct mc_object *o = &objects[i];

		if (!mc_object_has_name(o) && !backed_by_file(o))
			continue;   /* gone with the processes that held it */
		int rc = remove_object(o);

		if (rc == 0)
			mc_transcript_note("removed %s", o->name);
		else if (errno != ENOENT)
			mc_transcript_note("could not remove %s: %s", o->name, strerror(errno));
	}
	nobjects = 0;
}
