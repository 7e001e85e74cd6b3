#define _GNU_SOURCE
#include "objects.h"
#include "protocol.h"
#include "random.h"
#include "run_env.h"
#include "transcript.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define OBJECTS_MAX 32

static struct mc_object objects[OBJECTS_MAX];
static int nobjects;

/* The directory a name is in (a path in the scratch directory, or none), and whether "/" comes before "mapconf-". */
static const char *name_dir(enum mc_naming naming)
{
	return naming == MC_NAMING_SCRATCH_FILE ? mc_scratch_dir() : "";
}

static const char *name_slash(enum mc_naming naming)
{
	return naming == MC_NAMING_PLAIN ? "" : "/";
}

/* The case's next object of backend and size, its name still to be given. */
static struct mc_object *next_object(MC_WHERE, const struct mc_backend *backend, uint64_t size)
{
	struct mc_object *o;

	if (nobjects == OBJECTS_MAX)
		mc_broken(file, line, "object", "more than %d objects in one case", OBJECTS_MAX);
	o = &objects[nobjects++];
	o->backend = backend;
	o->size = size;
	return o;
}

struct mc_object *mc_object_new_where(MC_WHERE, uint64_t size)
{
	const struct mc_backend *backend = mc_backend_where(file, line);
	unsigned int rnd = mc_random_u32();
	struct mc_object *o = next_object(file, line, backend, size);

	snprintf(o->name, sizeof(o->name), "%s%smapconf-%s-%ld-%d-%08x", name_dir(backend->naming),
		 name_slash(backend->naming), mc_run_id(), (long)getpid(), nobjects, rnd);
	if (backend->marks_sysv_key)
		mc_name_mark_sysv_key(o->name);
	return o;
}

struct mc_object *mc_object_made_before_where(MC_WHERE)
{
	const struct mc_backend *backend = mc_backend_where(file, line);

	if (backend->naming != MC_NAMING_SCRATCH_FILE)
		mc_broken(file, line, "made-before", "only a file object can be made before the run, not a %s one",
			  backend->name);
	struct mc_object *o = next_object(file, line, backend, MC_MADE_BEFORE_SIZE);

	snprintf(o->name, sizeof(o->name), "%s/mapconf-%s-before-%s-%s", mc_before_dir(), mc_run_id(),
		 mc_case_id(), backend->name);
	if (access(o->name, F_OK) != 0)
		mc_broken(file, line, "made-before", "the runner made no file %s before the run (%s): the spec "
			  "table's file_made_before names the assertions it makes one for", o->name, strerror(errno));
	return o;
}

void mc_objects_remove_all(void)
{
	for (int i = 0; i < nobjects; i++) {
		struct mc_object *o = &objects[i];

		if (o->backend->removal == MC_REMOVAL_NONE)
			continue;   /* gone with the processes that held it */
		int rc = mc_name_remove(o->backend, o->name);

		if (rc == 0)
			mc_transcript_note("removed %s", o->name);
		else if (errno != ENOENT)
			mc_transcript_note("could not remove %s: %s", o->name, strerror(errno));
	}
	nobjects = 0;
}
