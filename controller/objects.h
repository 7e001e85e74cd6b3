/*
 * Mapping objects of a case: their names, and their removal at the end.
 *
 * Every name is "mapconf-RUNID-PID-N-RANDOM" (PID: the case process), so
 * that runs and cases never collide, and the runner can sweep what a killed
 * case or run left behind by its prefix.
 * The controller removes every object it named when the case ends, whether
 * the case passed, failed or broke.
 */
#ifndef MAPCONF_OBJECTS_H
#define MAPCONF_OBJECTS_H

#include <stdbool.h>
#include <stdint.h>

struct mc_object {
	char name[512];
	const char *backend;
	uint64_t size;
};

/* A fresh object description for the case's backend (nothing is created). */
struct mc_object *mc_object_new(uint64_t size);
/*
 * The memory figure that shows this object's pages: Shmem for objects that
 * live in shared memory (their pages are freed at release), Mapped for files
 * (their pages stay in the file's cache, but are no longer mapped).
 */
const char *mc_object_memory_figure(const struct mc_object *o);
/* Whether the object has a name that outlives its handles (memfd has none; a Win32 name goes with the last handle). */
bool mc_object_has_name(const struct mc_object *o);
/* Remove every object named in this case (ENOENT is fine). */
void mc_objects_remove_all(void);

#endif
