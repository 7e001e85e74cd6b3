/*
 * Mapping objects: create, open, close, unlink, size, and read(2) of one.
 * Whatever a verb does differently per backend is read from that backend's
 * row (backends.c).
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>

/*
 * create backend= name= size= [excl=1] [mode=0600] [resize=0] [huge=1]
 * (memfd: answers the name= to open). resize=0: a new object, file or memfd
 * is left as created, not resized to size=. huge=1: of huge pages
 * (MFD_HUGETLB, SHM_HUGETLB, anon-fork's MAP_HUGETLB; posix-shm and file
 * answer unsupported).
 */
static void verb_create(const struct mc_line *req)
{
	const struct backend *backend = need_backend(req);
	struct create_request c = { .name = need_str(req, "name"), .excl = 1, .mode = 0600, .resize = 1 };

	if (!backend || !c.name || need_u64(req, "size", &c.size))
		return;
	mc_line_get_u64(req, "excl", &c.excl);
	mc_line_get_u64(req, "mode", &c.mode);
	mc_line_get_u64(req, "resize", &c.resize);
	mc_line_get_u64(req, "huge", &c.huge);
	backend->create(&c);
}

/* open backend= name= [access=rw|r] */
static void verb_open(const struct mc_line *req)
{
	const struct backend *backend = need_backend(req);
	const char *name = need_str(req, "name");
	const char *access = mc_line_get(req, "access");

	if (backend && name)
		backend->open(name, access && strcmp(access, "r") == 0);
}

/* close handle= */
static void verb_close(const struct mc_line *req)
{
	const char *h = need_str(req, "handle");
	int fd = handle_fd(h);

	if (!h)
		return;
	if (handle_sysv(h) >= 0 || handle_region(h)) {   /* not a descriptor: nothing to close */
		handle_remove(h);
		answer_ok(NULL);
		return;
	}
	if (fd < 0) {
		answer_err("bad_handle", "none", "detail=unknown_handle");
		return;
	}
	handle_remove(h);
	if (close(fd)) {
		answer_errno(errno);
		return;
	}
	answer_ok(NULL);
}

/* unlink backend= name= */
static void verb_unlink(const struct mc_line *req)
{
	const struct backend *backend = need_backend(req);
	const char *name = need_str(req, "name");

	if (!backend || !name)
		return;
	if (backend->unlink(name)) {
		answer_errno(errno);
		return;
	}
	answer_ok(NULL);
}

/* stat handle= : the object's size, allocated bytes, mode, close-on-exec flag, mtime, and its descriptor (raw=) */
static void verb_stat(const struct mc_line *req)
{
	int shmid = handle_sysv(mc_line_get(req, "handle"));
	struct shmid_ds ds;
	struct stat st;
	int fd, flags;

	if (shmid >= 0) {
		if (shmctl(shmid, IPC_STAT, &ds))
			answer_errno(errno);
		else
			answer_ok("size=%zu mode=0%o attached=%lu", ds.shm_segsz,
				  (unsigned int)(ds.shm_perm.mode & 0777), (unsigned long)ds.shm_nattch);
		return;
	}
	if ((fd = need_fd(req)) < 0)
		return;
	flags = fcntl(fd, F_GETFD);
	if (fstat(fd, &st) || flags < 0) {
		answer_errno(errno);
		return;
	}
	answer_ok("size=%lld allocated=%lld mode=0%o cloexec=%d mtime_ns=%lld raw=%d", (long long)st.st_size,
		  (long long)st.st_blocks * 512, (unsigned int)(st.st_mode & 07777),
		  (flags & FD_CLOEXEC) != 0,
		  (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec, fd);
}

/* chmod handle= mode=OCTAL : change the object's permission bits (fchmod; SysV: IPC_SET) */
static void verb_chmod(const struct mc_line *req)
{
	int shmid = handle_sysv(mc_line_get(req, "handle"));
	const char *text = need_str(req, "mode");
	struct shmid_ds ds;
	int fd;

	if (!text)
		return;
	mode_t mode = (mode_t)strtoul(text, NULL, 8) & 0777;
	if (shmid >= 0) {
		if (shmctl(shmid, IPC_STAT, &ds) == 0) {
			ds.shm_perm.mode = (ds.shm_perm.mode & ~0777u) | mode;
			if (shmctl(shmid, IPC_SET, &ds) == 0) {
				answer_ok(NULL);
				return;
			}
		}
		answer_errno(errno);
		return;
	}
	if ((fd = need_fd(req)) < 0)
		return;
	if (fchmod(fd, mode))
		answer_errno(errno);
	else
		answer_ok(NULL);
}

/* resize handle= size= : grow or shrink the object (ftruncate) */
static void verb_resize(const struct mc_line *req)
{
	uint64_t size;
	int fd;

	if (need_u64(req, "size", &size) || (fd = need_fd(req)) < 0)
		return;
	if (ftruncate(fd, (off_t)size))
		answer_errno(errno);
	else
		answer_ok(NULL);
}

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010   /* Linux 5.1; older C library headers lack it */
#endif

static const struct { const char *name; int bit; } seal_names[] = {
	{ "write", F_SEAL_WRITE }, { "future_write", F_SEAL_FUTURE_WRITE },
	{ "grow", F_SEAL_GROW }, { "shrink", F_SEAL_SHRINK },
};

/* The seal bits a list such as "write,grow" names; -1 if it names another. */
static int parse_seals(const char *text)
{
	int bits = 0;

	while (text && *text) {
		size_t n = strcspn(text, ","), i;

		for (i = 0; i < sizeof(seal_names) / sizeof(seal_names[0]); i++)
			if (strlen(seal_names[i].name) == n && strncmp(seal_names[i].name, text, n) == 0)
				break;
		if (i == sizeof(seal_names) / sizeof(seal_names[0]))
			return -1;
		bits |= seal_names[i].bit;
		text += n + (text[n] == ',');
	}
	return bits;
}

/*
 * seal handle= seals=write,future_write,grow,shrink : add those seals to a
 * memfd (fcntl F_ADD_SEALS); what each forbids is then the kernel's to
 * refuse, to every process that holds the memfd.
 */
static void verb_seal(const struct mc_line *req)
{
	const char *names = need_str(req, "seals");
	int seals, fd;

	if (!names)
		return;
	if ((seals = parse_seals(names)) <= 0) {
		answer_err("invalid_request", "none", "missing_or_bad=seals");
		return;
	}
	if ((fd = need_fd(req)) < 0)
		return;
	if (fcntl(fd, F_ADD_SEALS, seals))
		answer_errno(errno);
	else
		answer_ok(NULL);
}

/* touch handle= mtime_s= : set the object's modification time (seconds since the epoch) */
static void verb_touch(const struct mc_line *req)
{
	struct timespec times[2];
	uint64_t seconds;
	int fd;

	if (need_u64(req, "mtime_s", &seconds) || (fd = need_fd(req)) < 0)
		return;
	times[0].tv_sec = times[1].tv_sec = (time_t)seconds;
	times[0].tv_nsec = times[1].tv_nsec = 0;
	if (futimens(fd, times))
		answer_errno(errno);
	else
		answer_ok(NULL);
}

/* umask value= : the agent's file-creation mask; answers the previous one */
static void verb_umask(const struct mc_line *req)
{
	uint64_t value;

	if (need_u64(req, "value", &value))
		return;
	answer_ok("previous=0%o", (unsigned int)umask((mode_t)value));
}

/*
 * pread backend= name= offset= length= : what read(2) on a fresh descriptor
 * returns, independent of any view this agent may have.
 */
static void verb_pread(const struct mc_line *req)
{
	const struct backend *backend = need_backend(req);
	const char *name = need_str(req, "name");
	static unsigned char data[MC_DATA_MAX];
	static char hex[2 * MC_DATA_MAX + 1];
	uint64_t offset, length;
	ssize_t got;
	int fd;

	if (!backend || !name || need_u64(req, "offset", &offset) ||
	    need_u64(req, "length", &length))
		return;
	if (length > MC_DATA_MAX) {
		answer_err("invalid_request", "none", "detail=length_over_%d", MC_DATA_MAX);
		return;
	}
	fd = backend->descriptor(name, O_RDONLY);
	if (fd < 0) {
		answer_errno(errno);
		return;
	}
	got = pread(fd, data, length, (off_t)offset);
	if (got < 0) {
		int err = errno;

		close(fd);
		answer_errno(err);
		return;
	}
	close(fd);
	mc_hex_encode(data, (size_t)got, hex);
	answer_ok("length=%zd data=%s", got, got ? hex : "-");
}

/*
 * pwrite backend= name= offset= data=HEX : write(2) at offset through a
 * fresh descriptor, beside whatever views there are.
 */
static void verb_pwrite(const struct mc_line *req)
{
	const struct backend *backend = need_backend(req);
	const char *name = need_str(req, "name"), *hex = need_str(req, "data");
	static unsigned char data[MC_DATA_MAX];
	uint64_t offset;
	ssize_t put;
	long n;
	int fd;

	if (!backend || !name || !hex || need_u64(req, "offset", &offset))
		return;
	if ((n = mc_hex_decode(hex, data, sizeof(data))) < 0) {
		answer_err("invalid_request", "none", "detail=bad_hex");
		return;
	}
	if ((fd = backend->descriptor(name, O_RDWR)) < 0) {
		answer_errno(errno);
		return;
	}
	put = pwrite(fd, data, (size_t)n, (off_t)offset);
	int err = errno;

	close(fd);
	if (put < 0)
		answer_errno(err);
	else
		answer_ok("length=%zd", put);
}

const struct verb object_verbs[] = {
	{ "create", verb_create },
	{ "open", verb_open },
	{ "close", verb_close },
	{ "unlink", verb_unlink },
	{ "stat", verb_stat },
	{ "resize", verb_resize },
	{ "chmod", verb_chmod },
	{ "touch", verb_touch },
	{ "seal", verb_seal },
	{ "umask", verb_umask },
	{ "pread", verb_pread },
	{ "pwrite", verb_pwrite },
	{ NULL, NULL },
};
