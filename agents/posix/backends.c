/*
 * The POSIX agent's backends, one row each: how an object of that backend
 * is created, opened, unlinked, and reached through a fresh descriptor
 * (pread, pwrite). The verbs (verbs_object.c) find the row by the
 * request's backend= and do what it says, as the controller's own table
 * (controller/backends.c) does for what it needs to know of each backend.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/shm.h>

/* A descriptor the handle table could not take is closed again. */
static void answer_descriptor(int fd, bool with_name)
{
	int h = handle_add(fd);

	if (h < 0) {
		close(fd);
		answer_err("no_memory", "none", "detail=handle_table_full");
	} else if (with_name) {
		answer_ok("handle=h%d name=/proc/%ld/fd/%d", h, (long)getpid(), fd);
	} else {
		answer_ok("handle=h%d", h);
	}
}

/* A new object's descriptor (or -1 with errno), resized unless resize=0, as a handle. */
static void answer_created(const struct create_request *c, int fd, bool with_name)
{
	if (fd < 0) {
		answer_errno(errno);
		return;
	}
	if (c->resize && ftruncate(fd, (off_t)c->size)) {
		int err = errno;

		close(fd);
		answer_errno(err);
		return;
	}
	answer_descriptor(fd, with_name);
}

static int create_flags(const struct create_request *c)
{
	return O_RDWR | O_CREAT | (c->excl ? O_EXCL : 0);
}

/* huge pages are asked for by memfd_create and shmget only */
static int no_huge_pages(void)
{
	errno = EOPNOTSUPP;
	return -1;
}

/* A file object is opened as shm_open opens its own (glibc and musl add
 * O_NOFOLLOW): a link planted where a scratch directory is shared would
 * otherwise aim an agent run as root at a file of the planter's choice. */
#define NOT_THROUGH_A_LINK (O_NOFOLLOW | O_CLOEXEC)

static void create_shm(const struct create_request *c)
{
	answer_created(c, c->huge ? no_huge_pages() : shm_open(c->name, create_flags(c), (mode_t)c->mode), false);
}

static void create_file(const struct create_request *c)
{
	answer_created(c, c->huge ? no_huge_pages() : open(c->name, create_flags(c) | NOT_THROUGH_A_LINK,
							      (mode_t)c->mode), false);
}

/*
 * A memfd has no name: it is created anonymous and reached by other
 * processes through its creator's /proc/PID/fd/N, which is what "create"
 * answers as the name to open. It is made sealable (MFD_ALLOW_SEALING), so
 * that the "seal" verb asks the kernel rather than meeting the F_SEAL_SEAL
 * every other memfd starts with.
 */
static void create_memfd(const struct create_request *c)
{
	const char *label = c->name[0] == '/' ? c->name + 1 : c->name;

	answer_created(c, memfd_create(label, MFD_CLOEXEC | MFD_ALLOW_SEALING | (c->huge ? MFD_HUGETLB : 0)), true);
}

/* A SysV segment id (or -1 with errno) as a handle. */
static void answer_sysv(int shmid)
{
	if (shmid < 0)
		answer_errno(errno);
	else
		answer_new_handle(handle_add_sysv(shmid));
}

static void create_sysv(const struct create_request *c)
{
	answer_sysv(shmget(mc_sysv_key(c->name), c->size,
			   IPC_CREAT | (c->excl ? IPC_EXCL : 0) | (c->huge ? SHM_HUGETLB : 0) | (int)c->mode));
}

static void open_sysv(const char *name, bool read_only)
{
	answer_sysv(shmget(mc_sysv_key(name), 0, read_only ? 0400 : 0600));
}

static int remove_sysv(const char *name)
{
	int shmid = shmget(mc_sysv_key(name), 0, 0);

	return shmid < 0 ? -1 : shmctl(shmid, IPC_RMID, NULL);
}

/*
 * anon-fork: a shared anonymous region, which only a fork can share; the
 * handle stands for it, and "map" answers its address. huge=1: of huge
 * pages (MAP_HUGETLB), which the kernel reserves from the pool here.
 */
static void create_region(const struct create_request *c)
{
	void *p = mmap(NULL, c->size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | (c->huge ? MAP_HUGETLB : 0), -1, 0);

	if (p == MAP_FAILED)
		answer_errno(errno);
	else
		answer_new_handle(handle_add_region((uintptr_t)p));
}

static void open_region(const char *name, bool read_only)
{
	(void)name;
	(void)read_only;
	answer_err("unsupported", "none", "detail=anon_fork_regions_are_shared_only_by_fork");
}

/* nothing to unlink: answered "unsupported" */
static int unlink_nothing(const char *name)
{
	(void)name;
	errno = ENOSYS;
	return -1;
}

static int shm_descriptor(const char *name, int flags)
{
	return shm_open(name, flags, 0);
}

/* a file of the scratch directory */
static int file_descriptor(const char *name, int flags)
{
	return open(name, flags | NOT_THROUGH_A_LINK);
}

/* a path under /proc (a memfd by its creator's /proc/PID/fd/N): a link by
 * nature, and only the kernel makes it */
static int proc_descriptor(const char *name, int flags)
{
	return open(name, flags | O_CLOEXEC);
}

/* An existing object's descriptor (or -1 with errno) as a handle. */
static void answer_opened(int fd)
{
	if (fd < 0)
		answer_errno(errno);
	else
		answer_descriptor(fd, false);
}

static void open_shm(const char *name, bool read_only)
{
	answer_opened(shm_descriptor(name, read_only ? O_RDONLY : O_RDWR));
}

static void open_file(const char *name, bool read_only)
{
	answer_opened(file_descriptor(name, read_only ? O_RDONLY : O_RDWR));
}

static void open_proc(const char *name, bool read_only)
{
	answer_opened(proc_descriptor(name, read_only ? O_RDONLY : O_RDWR));
}

static const struct backend table[] = {
	/* name        create         open         unlink          descriptor */
	{ "posix-shm", create_shm,    open_shm,    shm_unlink,     shm_descriptor },
	{ "file",      create_file,   open_file,   unlink,         file_descriptor },
	{ "memfd",     create_memfd,  open_proc,   unlink_nothing, proc_descriptor },
	{ "sysv",      create_sysv,   open_sysv,   remove_sysv,    proc_descriptor },
	{ "anon-fork", create_region, open_region, unlink_nothing, proc_descriptor },
};

const struct backend *need_backend(const struct mc_line *req)
{
	const char *name = mc_line_get(req, "backend");

	for (size_t i = 0; name && i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	answer_err("invalid_request", "none", "detail=unknown_backend");
	return NULL;
}
