/*
 * The backends a case can run on, one row each: how their objects are
 * named, how a name is removed, and how their memory shows. Everything the
 * controller does differently per backend is read from this table.
 */
#ifndef MAPCONF_BACKENDS_H
#define MAPCONF_BACKENDS_H

#include "case_end.h"

#include <stdbool.h>

enum mc_naming {
	MC_NAMING_SLASH,         /* "/mapconf-...": shm_open's form (memfd and SysV take it too) */
	MC_NAMING_PLAIN,         /* "mapconf-...": a Win32 name has no leading slash */
	MC_NAMING_SCRATCH_FILE,  /* the path of a file in the run's scratch directory */
};

/* How the controller removes a name a case left behind. */
enum mc_removal {
	MC_REMOVAL_NONE,         /* nothing outlives the processes that held it */
	MC_REMOVAL_UNLINK,
	MC_REMOVAL_SHM_UNLINK,
	MC_REMOVAL_IPC_RMID,
};

struct mc_backend {
	const char *name;        /* as in the spec table and the protocol */
	enum mc_naming naming;
	enum mc_removal removal;
	/*
	 * Whether the name outlives every handle (unlink removes it). A memfd
	 * and an anon-fork region have none; a Win32 name goes with the last
	 * handle to its section, so there is nothing to remove.
	 */
	bool has_name;
	/*
	 * The memory figure that shows the object's pages: Shmem for objects
	 * that live in shared memory (their pages are freed at release), Mapped
	 * for files (their pages stay in the file's cache, but are no longer
	 * mapped).
	 */
	const char *memory_figure;
	/*
	 * A SysV key cannot carry the run id, so each one is also written down
	 * in the scratch directory, for the runner to remove the segment.
	 */
	bool marks_sysv_key;
};

/* The backend this run of the case is for, by name (set once by the case's main). */
void mc_backend_select(const char *name);
/* Its row; a name the table does not know ends the case as ERROR. */
const struct mc_backend *mc_backend_where(MC_WHERE);
#define mc_backend() mc_backend_where(MC_HERE)

#endif
