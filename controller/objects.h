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

#include "backends.h"
#include "objects_platform.h"

#include <stdint.h>

/* The page size of the object sizes cases use: the largest common one. */
#define MC_PAGE 4096ULL

struct mc_object {
	char name[512];
	const struct mc_backend *backend;
	uint64_t size;
};

/* A fresh object description for the case's backend (nothing is created). */
struct mc_object *mc_object_new_where(MC_WHERE, uint64_t size);
#define mc_object_new(size) mc_object_new_where(MC_HERE, size)
/*
 * The file the runner made for this case and backend before the run began
 * (with --filesystem overlayfs: on the overlay's lower layer, before it was
 * mounted): MC_MADE_BEFORE_SIZE zero bytes, to be opened, never created.
 * Only file objects can be; the spec table says which assertions use one
 * (file_made_before = true), and a missing file ends the case as ERROR.
 */
#define MC_MADE_BEFORE_SIZE 4096
struct mc_object *mc_object_made_before_where(MC_WHERE);
#define mc_object_made_before() mc_object_made_before_where(MC_HERE)
/* Remove every object named in this case (ENOENT is fine). */
void mc_objects_remove_all(void);

#endif
