#define _GNU_SOURCE
#include "objects_platform.h"
#include "protocol.h"
#include "run_env.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/statvfs.h>

void mc_name_mark_sysv_key(const char *name)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/mapconf-%s-%ld-sysv-%08x", mc_scratch_dir(), mc_run_id(),
		 (long)getpid(), (unsigned int)mc_sysv_key(name));
	fd = open(path, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

int mc_name_remove(const struct mc_backend *backend, const char *name)
{
	switch (backend->removal) {
	case MC_REMOVAL_UNLINK:
		return unlink(name);
	case MC_REMOVAL_SHM_UNLINK:
		return shm_unlink(name);
	case MC_REMOVAL_IPC_RMID: {
		int shmid = shmget(mc_sysv_key(name), 0, 0);

		return shmid < 0 ? -1 : shmctl(shmid, IPC_RMID, NULL);
	}
	case MC_REMOVAL_NONE:
		break;
	}
	return 0;
}

uint64_t mc_shm_room(void)
{
	struct statvfs fs;

	if (statvfs("/dev/shm", &fs) != 0)
		return UINT64_MAX;
	return (uint64_t)fs.f_bavail * fs.f_frsize;
}
