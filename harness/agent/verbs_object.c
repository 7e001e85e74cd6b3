/* Mapping objects: create, open, close, unlink, size, and read(2) of one. */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

enum backend { BACKEND_SHM, BACKEND_FILE, BACKEND_MEMFD, BACKEND_UNKNOWN };

static enum backend parse_backend(const struct mc_line *req)
{
	const char *b = mc_line_get(req, "backend");

	if (b && strcmp(b, "posix-shm") == 0)
		return BACKEND_SHM;
	if (b && strcmp(b, "file") == 0)
		return BACKEND_FILE;
	if (b && strcmp(b, "memfd") == 0)
		return BACKEND_MEMFD;
	answer_err("unsupported", "none", "detail=unknown_backend");
	return BACKEND_UNKNOWN;
}

/*
 * A memfd has no name: it is created anonymous and reached by other
 * processes through its creator's /proc/PID/fd/N, which is what "create"
 * answers as the name to open.
 */
static int create_object(enum backend backend, const char *name, int flags, mode_t mode)
{
	if (backend == BACKEND_MEMFD)
		return memfd_create(name[0] == '/' ? name + 1 : name, MFD_CLOEXEC);
	if (backend == BACKEND_SHM)
		return shm_open(name, flags, mode);
	return open(name, flags | O_CLOEXEC, mode);
}

static int open_object(enum backend backend, const char *name, int flags)
{
	if (backend == BACKEND_SHM)
		return shm_open(name, flags, 0);
	return open(name, flags | O_CLOEXEC);
}

static int unlink_object(enum backend backend, const char *name)
{
	if (backend == BACKEND_MEMFD) {
		errno = ENOSYS;   /* nothing to unlink: answered "unsupported" */
		return -1;
	}
	return backend == BACKEND_SHM ? shm_unlink(name) : unlink(name);
}

static void answer_handle(int fd, enum backend backend)
{
	int h = handle_add(fd);

	if (h < 0) {
		close(fd);
		answer_err("no_memory", "none", "detail=handle_table_full");
	} else if (backend == BACKEND_MEMFD) {
		answer_ok("handle=h%d name=/proc/%ld/fd/%d", h, (long)getpid(), fd);
	} else {
		answer_ok("handle=h%d", h);
	}
}

/* create backend= name= size= [excl=1] [mode=0600] (memfd: answers the name= to open) */
static void verb_create(const struct mc_line *req)
{
	enum backend backend = parse_backend(req);
	const char *name = need_str(req, "name");
	uint64_t size, excl = 1, mode = 0600;
	int fd;

	if (backend == BACKEND_UNKNOWN || !name || need_u64(req, "size", &size))
		return;
	mc_line_get_u64(req, "excl", &excl);
	mc_line_get_u64(req, "mode", &mode);
	fd = create_object(backend, name, O_RDWR | O_CREAT | (excl ? O_EXCL : 0), (mode_t)mode);
	if (fd < 0) {
		answer_errno(errno);
		return;
	}
	if (ftruncate(fd, (off_t)size)) {
		int err = errno;

		close(fd);
		answer_errno(err);
		return;
	}
	answer_handle(fd, backend);
}

/* open backend= name= [access=rw|r] */
static void verb_open(const struct mc_line *req)
{
	enum backend backend = parse_backend(req);
	const char *name = need_str(req, "name");
	const char *access = mc_line_get(req, "access");
	int fd;

	if (backend == BACKEND_UNKNOWN || !name)
		return;
	fd = open_object(backend, name, access && strcmp(access, "r") == 0 ? O_RDONLY : O_RDWR);
	if (fd < 0) {
		answer_errno(errno);
		return;
	}
	answer_handle(fd, BACKEND_UNKNOWN);
}

/* close handle= */
static void verb_close(const struct mc_line *req)
{
	const char *h = need_str(req, "handle");
	int fd = handle_fd(h);

	if (!h)
		return;
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
	enum backend backend = parse_backend(req);
	const char *name = need_str(req, "name");

	if (backend == BACKEND_UNKNOWN || !name)
		return;
	if (unlink_object(backend, name)) {
		answer_errno(errno);
		return;
	}
	answer_ok(NULL);
}

/* size handle= : the object's size and allocated bytes, from fstat */
static void verb_size(const struct mc_line *req)
{
	int fd = handle_fd(mc_line_get(req, "handle"));
	struct stat st;

	if (fd < 0) {
		answer_err("bad_handle", "none", "detail=unknown_handle");
		return;
	}
	if (fstat(fd, &st)) {
		answer_errno(errno);
		return;
	}
	answer_ok("size=%lld allocated=%lld", (long long)st.st_size,
		  (long long)st.st_blocks * 512);
}

/*
 * pread backend= name= offset= length= : what read(2) on a fresh descriptor
 * returns, independent of any view this agent may have.
 */
static void verb_pread(const struct mc_line *req)
{
	enum backend backend = parse_backend(req);
	const char *name = need_str(req, "name");
	static unsigned char data[MC_DATA_MAX];
	static char hex[2 * MC_DATA_MAX + 1];
	uint64_t offset, length;
	ssize_t got;
	int fd;

	if (backend == BACKEND_UNKNOWN || !name || need_u64(req, "offset", &offset) ||
	    need_u64(req, "length", &length))
		return;
	if (length > MC_DATA_MAX) {
		answer_err("invalid_request", "none", "detail=length_over_%d", MC_DATA_MAX);
		return;
	}
	fd = open_object(backend, name, O_RDONLY);
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

const struct verb object_verbs[] = {
	{ "create", verb_create },
	{ "open", verb_open },
	{ "close", verb_close },
	{ "unlink", verb_unlink },
	{ "size", verb_size },
	{ "pread", verb_pread },
	{ NULL, NULL },
};
