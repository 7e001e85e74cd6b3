#include "objects_platform.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>

int mc_name_remove(const struct mc_backend *backend, const char *name)
{
	switch (backend->removal) {
	case MC_REMOVAL_UNLINK:
		return unlink(name);
	case MC_REMOVAL_NONE:
		return 0;
	default:
		/* shm_unlink and IPC_RMID name objects of POSIX backends, which a Windows controller never selects */
		errno = ENOSYS;
		return -1;
	}
}

void mc_name_mark_sysv_key(const char *name)
{
	(void)name;   /* no SysV backend on Windows */
}

/* Windows has no /dev/shm: nothing limits shared memory but the commit limit, which no case fills. */
uint64_t mc_shm_room(void)
{
	return UINT64_MAX;
}
