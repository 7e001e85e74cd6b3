/*
 * The platform's part of a case's objects (objects.h), which names them:
 * removing a name as its backend says, writing a SysV key down for the
 * runner, and the room shared memory has. POSIX in objects_platform.c;
 * Win32 in objects_platform_win32.c, where a section's name goes with its
 * last handle and only a file is removed.
 */
#ifndef MAPCONF_OBJECTS_PLATFORM_H
#define MAPCONF_OBJECTS_PLATFORM_H

#include "backends.h"

#include <stdint.h>

/* Remove the name as backend says: 0, or -1 with errno (ENOENT: already gone). */
int mc_name_remove(const struct mc_backend *backend, const char *name);
/*
 * A SysV key cannot carry the run id, so each one is also written down as
 * an empty file in the run's scratch directory: the runner removes the
 * segments named there when a case or a run ends, however it ended.
 */
void mc_name_mark_sysv_key(const char *name);
/* The room left for POSIX shared memory: the bytes /dev/shm has free (statvfs), read by the controller. */
uint64_t mc_shm_room(void);

#endif
