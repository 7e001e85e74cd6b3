/*
 * A broken platform on demand: an LD_PRELOAD library for agents that breaks
 * one mapping behaviour, chosen by MAPCONF_FAULT. Each fault acts on every
 * backend it can: mmap and shm_open, and shmget/shmat/shmdt/shmctl. The selftest runs the
 * suite with each fault and checks that the assertions that depend on that
 * behaviour fail; this is how every assertion is shown to be able to fail.
 *
 *   shared-is-private     MAP_SHARED views become private copies
 *   private-is-shared     MAP_PRIVATE file views become shared
 *   excl-ignored          O_EXCL is dropped: creating an existing name succeeds
 *   open-creates          opening a missing name creates it
 *   names-fold-case       shm names are lower-cased (case-insensitive names)
 *   dirty-new-objects     a new object's first byte is not zero
 *   created-sized         a new object, file or memfd starts a page long
 *   fixed-ignored         a requested address is ignored (any address is used)
 *   fixed-replaces        a requested address replaces what is mapped there
 *   noreplace-hint        MAP_FIXED_NOREPLACE is a hint: a free address is
 *                         used, an occupied one is not (the view goes elsewhere)
 *   munmap-noop           munmap does nothing
 *   readonly-is-writable  read-only shared views are made writable
 *   open-ro-as-rw         read-only opens are made read-write
 *   rights-ignored        every process has every right: dropping to another
 *                         user does nothing, and read-only opens are made
 *                         read-write (a sandbox that runs all as root)
 *   unlink-noop           unlink and shm_unlink do nothing
 *   unlink-truncates      unlink first truncates the object to zero bytes
 *   exit-unlinks          an agent that exits removes the objects it created
 *   exit-truncates        an agent that exits first truncates every object it
 *                         has had a view of to zero bytes (its pages go with it)
 *   creator-owns          a name belongs to the process that created it: once
 *                         that process has ended, opening the name fails
 *                         with ENOENT (views and open handles keep working)
 *   msync-noop            msync does nothing
 *   msync-partial-noop    msync of less than a whole view does nothing
 *   hugetlb-ignored       MFD_HUGETLB, SHM_HUGETLB and MAP_HUGETLB are
 *                         dropped: a request for huge pages gets ordinary ones
 *   huge-pages-refused    MFD_HUGETLB, SHM_HUGETLB and MAP_HUGETLB are
 *                         refused (EINVAL), free huge pages or not
 *   views-snapshot        a shared view of an object is a copy of it made
 *                         at map time: later writes to the object, and the
 *                         view's own, do not travel
 *   file-views-copied     views of regular files are private copies, not
 *                         coherent with read(2)/write(2): msync and munmap
 *                         write the whole range back, and so does an exit,
 *                         but a killed writer's writes are lost
 *   file-views-copied-flush-noop        ... and msync writes nothing back
 *   file-views-copied-flush-first-page  ... and msync writes back only the
 *                         first page of the range
 *   file-views-copied-unmap-discards    ... and munmap (and an exit)
 *                         write nothing back
 *   file-views-copied-flush-from-view-start  ... and msync writes back as
 *                         many bytes as asked, but from the view's start
 *   file-views-copied-flush-short-of-end     ... and msync of a range that
 *                         reaches the view's end writes back all of it but
 *                         the view's last page
 *   first-page-shared     only the first page of a shared view is shared;
 *                         the rest of the view is a private copy
 *   offset-ignored        a view at an offset shows the object from offset 0
 *   open-replaces         opening an existing name (without creating)
 *                         replaces the object under it by a new one of the
 *                         same size: the creator keeps the old one
 *   fork-holder           a large shared view is also held by a hidden child
 *   release-keeps-1mib    each object with a large shared view (4 MiB or
 *                         more) leaves 1 MiB of shared memory behind it,
 *                         however its views end (unmap, detach, the agent
 *                         killed): a platform that keeps a little of every
 *                         released object
 *   global-views          a view at a set address is reachable by every agent
 *   mutex-noop            process-shared mutexes do not exclude
 *   sem-noop              semaphore waits return at once
 *   robust-ignored        robust mutexes are made ordinary ones
 *   close-truncates       closing an object's handle frees its pages
 *   tail-garbage          the tail of a partial last page is not zero
 *   past-end-mapped       a view longer than the object grows the object
 *   shrink-ignored        shrinking an object does nothing
 *   size-wraps-32         an object's size is cut to its low 32 bits
 *   offset-wraps-32       a view's offset is cut to its low 32 bits
 *   past-end-anonymous    the part of a view past the object's end, when
 *                         mapped, is private zero pages: growing the object
 *                         later does not reach it
 *   zero-length-ok        a view of zero length maps a page
 *   offset-rounded        a misaligned offset is rounded down
 *   names-sanitized       bad names are mended instead of refused
 *   cloexec-cleared       object descriptors are inherited by exec
 *   umask-ignored         created objects get their mode without the umask
 *   mtime-frozen          a flush puts the file's mtime back
 *   mode-ignored          objects are created readable and writable by everyone
 *   mprotect-noop         mprotect does nothing
 *   private-made-writable-is-shared  a private view of an object made
 *                         writable by mprotect becomes a shared view of it
 *   reprotect-drops-copy  mprotect of a private view of an object maps it
 *                         again from the object: the pages it wrote are lost
 *   seals-ignored         a memfd's seals (F_ADD_SEALS) are accepted and
 *                         not applied
 *   names-go-with-last-holder  the Win32 rule on POSIX: a name goes when no
 *                         process holds its object any more (the last
 *                         descriptor is closed with no view left, the last
 *                         view unmapped with no descriptor left; SysV: the
 *                         last detach)
 *   rnd-ignored           SHM_RND is dropped
 *   exec-keeps-views      the ranges of shared views are mapped again after
 *                         exec, with what they held
 *   fork-unshares         a forked child's shared views become private
 *                         copies (the parent's stay shared)
 *   memory-global         the agent's and the test library's allocations, and
 *                         the library's global, live in one region every agent
 *                         maps at the same address (one address space for all)
 *   no-shm-open           shm_open and shm_unlink answer ENOSYS, as on a C
 *                         library without POSIX shared memory: a platform that
 *                         claims the posix-shm backend but cannot provide it
 *   shm-elsewhere         POSIX shared memory objects are files in the run's
 *                         scratch directory, not in /dev/shm, so /dev/shm's
 *                         limit does not bind them (run with shm-SIZE)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <grp.h>
#include <pthread.h>
#include <semaphore.h>
#include <time.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

static const char *fault(void)
{
	const char *f = getenv("MAPCONF_FAULT");

	return f ? f : "";
}

static int is(const char *name)
{
	return strcmp(fault(), name) == 0;
}

#define REAL(ret, name, ...)                                   \
	static ret (*real_##name)(__VA_ARGS__);                \
	if (!real_##name)                                      \
		real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

/* memory-global: each kind of allocation has its own place in the shared region */
static char *global_region;
static int from_the_suite(void *caller);
static void remember_view(void *addr, size_t length, int fd);
static void remember_shared_view(void *addr, size_t length);
static int real_close_fd(int fd);
static int is_named_object(int fd);
static int copies_file_views(void);
static int is_scratch_file(int fd);
static void remember_copy(void *addr, size_t length, int fd, off_t offset);
static void write_back(uintptr_t addr, size_t length, int write, int forget);
static void replace_object(const char *name, int shm);
static void remember_private_view(void *addr, size_t length, int fd, off_t offset);
static void view_object(uintptr_t addr, char *path, size_t cap, dev_t *dev, ino_t *ino);
static void unlink_if_unheld(const char *path, dev_t dev, ino_t ino);
enum { AT_SMALL = 0, AT_LIBRARY_DATA = 8192,
       AT_ANON = 1 << 20, AT_SHARED_ANON = 2 << 20, AT_LARGE = 4 << 20 };
static int global_fd = -1;

/* exit-truncates: a descriptor of each object this agent has had a shared view of */
static int viewed[32];
static int nviewed;

/* SysV keys and names this agent created, for exit-unlinks. */
static int sysv_keys[16];
static int nsysv_keys;
static char created[16][512];
static int ncreated;

static void remember(const char *name, int flags)
{
	if ((flags & O_CREAT) && ncreated < 16)
		snprintf(created[ncreated++], sizeof(created[0]), "%s", name);
}

static int adjust_open_flags(int flags)
{
	if (is("excl-ignored"))
		flags &= ~O_EXCL;
	if (is("open-creates"))
		flags |= O_CREAT;
	if ((is("open-ro-as-rw") || is("rights-ignored")) && (flags & O_ACCMODE) == O_RDONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	return flags;
}

/* cloexec-cleared and umask-ignored act on a descriptor just opened */
static int after_open(int fd, int flags, mode_t mode)
{
	if (fd < 0)
		return fd;
	if (is("cloexec-cleared"))
		fcntl(fd, F_SETFD, 0);
	if (is("created-sized") && (flags & O_CREAT))
		ftruncate(fd, 4096);
	if (is("umask-ignored") && (flags & O_CREAT))
		fchmod(fd, mode);
	if (is("mode-ignored") && (flags & O_CREAT))
		fchmod(fd, 0666);
	return fd;
}

/* rights-ignored: a process stays who it was, whoever it asks to become */
int setuid(uid_t uid)
{
	REAL(int, setuid, uid_t);
	return is("rights-ignored") ? 0 : real_setuid(uid);
}

int setgid(gid_t gid)
{
	REAL(int, setgid, gid_t);
	return is("rights-ignored") ? 0 : real_setgid(gid);
}

int setgroups(size_t n, const gid_t *groups)
{
	REAL(int, setgroups, size_t, const gid_t *);
	return is("rights-ignored") ? 0 : real_setgroups(n, groups);
}

/* creator-owns: which process created each name, in a file of the case's scratch directory */
static void creators_path(char *out, size_t cap)
{
	const char *dir = getenv("MAPCONF_SCRATCH");

	snprintf(out, cap, "%s/fault-creators", dir ? dir : "/tmp");
}

static void record_creator(const char *name)
{
	char path[512];
	FILE *f;

	if (!is("creator-owns"))
		return;
	creators_path(path, sizeof(path));
	if ((f = fopen(path, "a"))) {
		fprintf(f, "%ld %s\n", (long)getpid(), name);
		fclose(f);
	}
}

/* Whether name was created by a process that has ended since (creator-owns). */
static int creator_gone(const char *name)
{
	char path[512], line[600];
	long pid = 0, gone = 0;
	FILE *f;

	if (!is("creator-owns"))
		return 0;
	creators_path(path, sizeof(path));
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *space = strchr(line, ' ');

		line[strcspn(line, "\n")] = '\0';
		if (space && strcmp(space + 1, name) == 0)
			pid = strtol(line, NULL, 10);
	}
	fclose(f);
	if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		gone = 1;
	return (int)gone;
}

/* shm-elsewhere: where the object named name lives instead of /dev/shm. */
static const char *elsewhere(const char *name, char *path, size_t size)
{
	const char *dir = getenv("MAPCONF_SCRATCH");

	snprintf(path, size, "%s/%s", dir ? dir : "/tmp", name[0] == '/' ? name + 1 : name);
	return path;
}

int shm_open(const char *name, int flags, mode_t mode)
{
	char folded[512];

	REAL(int, shm_open, const char *, int, mode_t);
	if (is("no-shm-open")) {
		errno = ENOSYS;
		return -1;
	}
	if (is("shm-elsewhere"))
		return open(elsewhere(name, folded, sizeof(folded)), flags | O_CLOEXEC, mode ? mode : 0600);
	if (is("names-fold-case")) {
		size_t i;

		for (i = 0; name[i] && i < sizeof(folded) - 1; i++)
			folded[i] = (char)tolower((unsigned char)name[i]);
		folded[i] = '\0';
		name = folded;
	}
	if (is("names-sanitized")) {
		size_t i;

		for (i = 0; name[i] && i < 200; i++)
			folded[i] = i > 0 && name[i] == '/' ? '_' : name[i];
		folded[i] = '\0';
		name = folded;
	}
	flags = adjust_open_flags(flags);
	if (is("open-replaces") && !(flags & O_CREAT))
		replace_object(name, 1);
	remember(name, flags);
	if (!(flags & O_CREAT) && creator_gone(name)) {
		errno = ENOENT;
		return -1;
	}
	int fd = after_open(real_shm_open(name, flags, mode ? mode : 0600), flags, mode);

	if (fd >= 0 && (flags & O_CREAT))
		record_creator(name);
	return fd;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode = 0600;

	REAL(int, open, const char *, int, ...);
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	/* objects are opened by name, or (memfd) through /proc/PID/fd/N */
	if (strstr(path, "mapconf-") || strncmp(path, "/proc/", 6) == 0) {
		char mended[512];

		if (is("names-sanitized") && strlen(path) > 200) {
			snprintf(mended, sizeof(mended), "%.200s", path);
			path = mended;
		}
		flags = adjust_open_flags(flags);
		if (is("open-replaces") && !(flags & O_CREAT) && strncmp(path, "/proc/", 6) != 0)
			replace_object(path, 0);
		remember(path, flags);
		if (!(flags & O_CREAT) && creator_gone(path)) {
			errno = ENOENT;
			return -1;
		}
		int fd = after_open(real_open(path, flags, mode), flags, mode);

		if (fd >= 0 && (flags & O_CREAT))
			record_creator(path);
		return fd;
	}
	return real_open(path, flags, mode);
}

int memfd_create(const char *name, unsigned int flags)
{
	REAL(int, memfd_create, const char *, unsigned int);
	if (is("hugetlb-ignored"))
		flags &= ~(unsigned int)MFD_HUGETLB;
	if (is("huge-pages-refused") && (flags & MFD_HUGETLB)) {
		errno = EINVAL;
		return -1;
	}
	int fd = after_open(real_memfd_create(name, flags), 0, 0);

	if (fd >= 0 && is("created-sized"))
		ftruncate(fd, 4096);
	return fd;
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int ftruncate(int fd, off_t length)
{
	REAL(int, ftruncate, int, off_t);
	struct stat st;

	if (is("shrink-ignored") && fstat(fd, &st) == 0 && length < st.st_size && length > 0)
		return 0;
	if (is("size-wraps-32"))
		length = (off_t)(uint32_t)length;
	int rc = real_ftruncate(fd, length);

	if (rc == 0 && length > 0 && is("dirty-new-objects"))
		pwrite(fd, "\x5a", 1, 0);
	return rc;
}

int ftruncate64(int fd, off_t length) __attribute__((alias("ftruncate")));

/* global-views: every view at a set address is listed in a file of the run */
static void registry_path(char *out, size_t cap)
{
	const char *dir = getenv("MAPCONF_SCRATCH");

	snprintf(out, cap, "%s/fault-global-views", dir ? dir : "/tmp");
}

static void register_view(int fd, void *addr, size_t length)
{
	char path[512];
	FILE *f;

	registry_path(path, sizeof(path));
	f = fopen(path, "a");
	if (f) {
		/* reachable by any process while this one lives, whatever the backend */
		fprintf(f, "%lx %zx /proc/%ld/fd/%d\n", (unsigned long)addr, length, (long)getpid(), fd);
		fclose(f);
	}
}

/*
 * release-keeps-1mib: at the first large view of an object (in any agent of
 * the run: a file in the scratch directory marks the object), a hidden
 * child, made before the view so that it holds no view and no descriptor of
 * the object, takes 1 MiB of shared memory and touches it. It has done so
 * before the view is returned, and keeps it until the case's processes are
 * ended.
 */
#define KEPT (1 << 20)
#define LARGE_VIEW (4 << 20)

static int first_large_view(const char *object)
{
	const char *dir = getenv("MAPCONF_SCRATCH");
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/fault-kept-%s", dir ? dir : "/tmp", object);
	fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

static void keep_1mib_in_hidden_child(const char *object)
{
	REAL(void *, mmap, void *, size_t, int, int, int, off_t);
	int ready[2];
	char byte;
	pid_t pid;

	if (!first_large_view(object) || pipe(ready) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		char *kept;

		close_range(0, (unsigned int)ready[1] - 1, 0);
		close_range((unsigned int)ready[1] + 1, ~0U, 0);
		kept = real_mmap(NULL, KEPT, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (kept != MAP_FAILED)
			memset(kept, 0x6b, KEPT);
		(void)!write(ready[1], "k", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	if (pid > 0)
		(void)!read(ready[0], &byte, 1);
	close(ready[0]);
}

/* views-snapshot: shared memory of the view's own, holding what the object held at map time */
static void *snapshot_view(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	REAL(void *, mmap, void *, size_t, int, int, int, off_t);
	void *p = real_mmap(addr, length, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return p;
	if (pread(fd, p, length, offset) < 0 || mprotect(p, length, prot) != 0) {
		munmap(p, length);
		return MAP_FAILED;
	}
	return p;
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset)
{
	REAL(void *, mmap, void *, size_t, int, int, int, off_t);
	void *p;
	int copied;

	struct stat st;

	if (length == 0 && is("zero-length-ok"))
		length = 4096;
	if ((flags & MAP_HUGETLB) && is("hugetlb-ignored"))
		flags &= ~(MAP_HUGETLB | (MAP_HUGE_MASK << MAP_HUGE_SHIFT));
	if ((flags & MAP_HUGETLB) && is("huge-pages-refused")) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (fd >= 0 && offset && is("offset-ignored"))
		offset = 0;
	if (fd >= 0 && is("offset-wraps-32"))
		offset = (off_t)(uint32_t)offset;
	if ((offset & 4095) && is("offset-rounded"))
		offset &= ~(off_t)4095;
	if (fd >= 0 && is("past-end-mapped") && fstat(fd, &st) == 0 && st.st_size < offset + (off_t)length)
		ftruncate(fd, offset + (off_t)length);
	if ((flags & MAP_SHARED) && is("shared-is-private"))   /* files and shared anonymous memory */
		flags = (flags & ~MAP_SHARED) | MAP_PRIVATE;
	copied = fd >= 0 && (flags & MAP_SHARED) && copies_file_views() && is_scratch_file(fd);
	if (copied)
		flags = (flags & ~MAP_SHARED) | MAP_PRIVATE;
	if (fd >= 0 && (flags & MAP_PRIVATE) && is("private-is-shared"))
		flags = (flags & ~MAP_PRIVATE) | MAP_SHARED;
	if ((flags & MAP_FIXED_NOREPLACE) && is("fixed-ignored")) {
		flags &= ~MAP_FIXED_NOREPLACE;
		addr = NULL;
	}
	if ((flags & MAP_FIXED_NOREPLACE) && is("noreplace-hint"))
		flags &= ~MAP_FIXED_NOREPLACE;
	if ((flags & MAP_FIXED_NOREPLACE) && is("fixed-replaces"))
		flags = (flags & ~MAP_FIXED_NOREPLACE) | MAP_FIXED;
	if (fd >= 0 && (flags & MAP_SHARED) && prot == PROT_READ && is("readonly-is-writable"))
		prot = PROT_READ | PROT_WRITE;
	if (fd < 0 && (flags & MAP_ANONYMOUS) && prot == (PROT_READ | PROT_WRITE) && !addr &&
	    global_region && length <= (1 << 20) && from_the_suite(__builtin_return_address(0)))
		return global_region + ((flags & MAP_SHARED) ? AT_SHARED_ANON : AT_ANON);
	if (fd >= 0 && (flags & MAP_SHARED) && length >= LARGE_VIEW && is("release-keeps-1mib") &&
	    fstat(fd, &st) == 0) {
		char object[64];

		snprintf(object, sizeof(object), "%lx-%lx", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
		keep_1mib_in_hidden_child(object);
	}
	if (fd >= 0 && (flags & MAP_SHARED) && is("exit-truncates") && is_named_object(fd) && nviewed < 32)
		viewed[nviewed++] = dup(fd);   /* kept past the handle's close, for the exit */
	if (fd >= 0 && (flags & MAP_SHARED) && is("views-snapshot"))
		return snapshot_view(addr, length, prot, flags, fd, offset);
	p = real_mmap(addr, length, prot, flags, fd, offset);
	if (p == MAP_FAILED)
		return p;
	if (copied && (prot & PROT_WRITE))
		remember_copy(p, length, fd, offset);
	if (fd >= 0 && (flags & MAP_PRIVATE) && (is("private-made-writable-is-shared") || is("reprotect-drops-copy")))
		remember_private_view(p, length, fd, offset);
	if (fd >= 0 && (flags & MAP_SHARED) && is("past-end-anonymous") && fstat(fd, &st) == 0 &&
	    st.st_size < offset + (off_t)length) {
		size_t kept = st.st_size > offset ? ((size_t)(st.st_size - offset) + 4095) & ~(size_t)4095 : 0;

		if (kept < length)
			real_mmap((char *)p + kept, length - kept, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	if ((flags & MAP_SHARED) && length > 4096 && is("first-page-shared")) {
		/* the rest of the view becomes a copy of the object, as this process's own */
		if (fd >= 0)
			real_mmap((char *)p + 4096, length - 4096, prot, MAP_PRIVATE | MAP_FIXED, fd, offset + 4096);
		else
			real_mmap((char *)p + 4096, length - 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	if (fd >= 0 && (flags & MAP_SHARED) && length >= (1 << 20) && is("fork-holder") && fork() == 0) {
		for (;;)
			pause();   /* holds the view until the case's process group is killed */
	}
	if (fd >= 0 && (flags & MAP_FIXED_NOREPLACE) && is("global-views"))
		register_view(fd, p, length);
	if (fd >= 0 && (prot & PROT_WRITE) && is("tail-garbage") && fstat(fd, &st) == 0 &&
	    (st.st_size & 4095) && st.st_size > offset && st.st_size - offset < (off_t)length)
		((char *)p)[st.st_size - offset] = 0x5a;
	if (fd >= 0 && is("mtime-frozen"))
		remember_view(p, length, fd);
	if ((flags & MAP_SHARED) && (is("exec-keeps-views") || is("fork-unshares")))
		remember_shared_view(p, length);
	return p;
}

void *mmap64(void *, size_t, int, int, int, off_t) __attribute__((alias("mmap")));

int munmap(void *addr, size_t length)
{
	REAL(int, munmap, void *, size_t);
	if (is("munmap-noop"))
		return 0;
	if (copies_file_views())
		write_back((uintptr_t)addr, length, !is("file-views-copied-unmap-discards"), 1);
	if (is("names-go-with-last-holder")) {
		char path[512];
		dev_t dev = 0;
		ino_t ino = 0;
		int rc;

		view_object((uintptr_t)addr, path, sizeof(path), &dev, &ino);
		rc = real_munmap(addr, length);
		if (rc == 0 && path[0])
			unlink_if_unheld(path, dev, ino);
		return rc;
	}
	return real_munmap(addr, length);
}

/*
 * file-views-copied*: each writable view of a regular file is a private
 * copy, remembered with its own descriptor, and written back to the file
 * with pwrite(2) by msync and munmap (and an exit, the last unmap there is).
 */
static struct { uintptr_t addr; size_t length; int fd; off_t offset; } copies[32];

static int copies_file_views(void)
{
	return strncmp(fault(), "file-views-copied", strlen("file-views-copied")) == 0;
}

/* the file backend's objects: files of the run's scratch directory (not /dev/shm, not a memfd) */
static int is_scratch_file(int fd)
{
	const char *dir = getenv("MAPCONF_SCRATCH");
	char link[64], target[512];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0 || !dir || !*dir)
		return 0;
	target[n] = '\0';
	return strncmp(target, dir, strlen(dir)) == 0 && strstr(target, "/mapconf-") != NULL;
}

static void remember_copy(void *addr, size_t length, int fd, off_t offset)
{
	for (int i = 0; i < 32; i++) {
		if (!copies[i].addr) {
			copies[i].addr = (uintptr_t)addr;
			copies[i].length = length;
			copies[i].fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
			copies[i].offset = offset;
			return;
		}
	}
}

/*
 * Write [addr, addr + length) of the copies back to their files (no further
 * than each file's end), if write; with forget, the copies that range covers
 * whole are forgotten (they are being unmapped).
 */
static void write_back(uintptr_t addr, size_t length, int write, int forget)
{
	for (int i = 0; i < 32; i++) {
		uintptr_t from = copies[i].addr, to = copies[i].addr + copies[i].length;
		struct stat st;

		if (!from)
			continue;
		from = addr > from ? addr : from;
		to = addr + length < to ? addr + length : to;
		if (write && from < to && fstat(copies[i].fd, &st) == 0) {
			off_t at = copies[i].offset + (off_t)(from - copies[i].addr);

			if (at < st.st_size)
				(void)!pwrite(copies[i].fd, (void *)from, (size_t)(st.st_size - at) < to - from ?
					      (size_t)(st.st_size - at) : to - from, at);
		}
		if (forget && addr <= copies[i].addr && addr + length >= copies[i].addr + copies[i].length) {
			real_close_fd(copies[i].fd);
			copies[i].addr = 0;
		}
	}
}

/* What a flush of [addr, addr + length) writes back of the copies, as each file-views-copied-flush-* fault has it. */
static void flush_copy(uintptr_t addr, size_t length)
{
	for (int i = 0; i < 32; i++) {
		uintptr_t start = copies[i].addr, end = copies[i].addr + copies[i].length;

		if (!start || addr < start || addr >= end)
			continue;
		if (is("file-views-copied-flush-from-view-start"))
			addr = start;
		if (is("file-views-copied-flush-short-of-end") && addr + length >= end)
			length = end - 4096 > addr ? end - 4096 - addr : 0;
		break;
	}
	if (is("file-views-copied-flush-first-page") && length > 4096)
		length = 4096;
	write_back(addr, length, 1, 0);
}

/* mtime-frozen: the views' descriptors, so that a flush can put the mtime back */
static struct { uintptr_t addr; size_t length; int fd; } views[32];
static int nviews;

static void remember_view(void *addr, size_t length, int fd)
{
	if (nviews < 32) {
		views[nviews].addr = (uintptr_t)addr;
		views[nviews].length = length;
		views[nviews++].fd = dup(fd);
	}
}

/* msync-partial-noop: whether [addr, addr+length) covers the whole mapping that holds addr (/proc/self/maps) */
static int covers_its_view(uintptr_t addr, size_t length)
{
	unsigned long start, end;
	char line[512];
	int whole = 1;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && addr >= start && addr < end) {
			whole = addr == start && addr + length >= end;
			break;
		}
	}
	if (f)
		fclose(f);
	return whole;
}

int msync(void *addr, size_t length, int flags)
{
	REAL(int, msync, void *, size_t, int);
	int rc;

	if (is("msync-noop") || (is("msync-partial-noop") && !covers_its_view((uintptr_t)addr, length)))
		return 0;
	rc = real_msync(addr, length, flags);
	if (rc == 0 && copies_file_views() && !is("file-views-copied-flush-noop"))
		flush_copy((uintptr_t)addr, length);
	for (int i = 0; i < nviews && is("mtime-frozen"); i++) {
		if ((uintptr_t)addr >= views[i].addr && (uintptr_t)addr < views[i].addr + views[i].length) {
			struct timespec epoch[2] = { { 1, 0 }, { 1, 0 } };

			futimens(views[i].fd, epoch);
		}
	}
	return rc;
}

static void truncate_before_unlink(const char *name, int shm)
{
	int fd = shm ? shm_open(name, O_RDWR, 0) : open(name, O_RDWR);

	if (fd >= 0) {
		ftruncate(fd, 0);
		close(fd);
	}
}

int shm_unlink(const char *name)
{
	REAL(int, shm_unlink, const char *);
	if (is("no-shm-open")) {
		errno = ENOSYS;
		return -1;
	}
	if (is("shm-elsewhere")) {
		char path[512];

		return unlink(elsewhere(name, path, sizeof(path)));
	}
	if (is("unlink-noop"))
		return 0;
	if (is("unlink-truncates"))
		truncate_before_unlink(name, 1);
	return real_shm_unlink(name);
}

/* open-replaces: the name gets a new object of the old one's size and mode, before it is opened */
static void replace_object(const char *name, int shm)
{
	REAL(int, shm_open, const char *, int, mode_t);
	REAL(int, shm_unlink, const char *);
	REAL(int, open, const char *, int, ...);
	REAL(int, unlink, const char *);
	struct stat st;
	int fd = shm ? real_shm_open(name, O_RDONLY, 0) : real_open(name, O_RDONLY);

	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || (shm ? real_shm_unlink(name) : real_unlink(name)) != 0) {
		real_close_fd(fd);
		return;
	}
	real_close_fd(fd);
	fd = shm ? real_shm_open(name, O_RDWR | O_CREAT | O_EXCL, st.st_mode & 0777)
		 : real_open(name, O_RDWR | O_CREAT | O_EXCL, st.st_mode & 0777);
	if (fd >= 0) {
		ftruncate(fd, st.st_size);
		real_close_fd(fd);
	}
}

int unlink(const char *path)
{
	REAL(int, unlink, const char *);
	if (strstr(path, "mapconf-") && is("unlink-noop"))
		return 0;
	if (strstr(path, "mapconf-") && is("unlink-truncates"))
		truncate_before_unlink(path, 0);
	return real_unlink(path);
}

void _exit(int status)
{
	if (copies_file_views() && !is("file-views-copied-unmap-discards"))
		write_back(0, SIZE_MAX, 1, 0);
	if (is("exit-truncates")) {
		REAL(int, ftruncate, int, off_t);
		for (int i = 0; i < nviewed; i++)
			real_ftruncate(viewed[i], 0);
	}
	if (is("exit-unlinks")) {
		for (int i = 0; i < ncreated; i++)
			if (shm_unlink(created[i]) != 0)
				unlink(created[i]);
		for (int i = 0; i < nsysv_keys; i++) {
			int shmid = shmget(sysv_keys[i], 0, 0);

			if (shmid >= 0)
				shmctl(shmid, IPC_RMID, NULL);
		}
	}
	syscall(SYS_exit_group, status);
	for (;;)
		;
}

/*
 * global-views: a fault in a registered range is answered by mapping that
 * object there, as if views were global, before the agent's handler sees it.
 */
static struct sigaction agent_handler;

static int map_global_view(uintptr_t at)
{
	char path[512], line[1200], target[1024];
	unsigned long addr, length;
	int found = 0;
	FILE *f;

	registry_path(path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %lx %1023s", &addr, &length, target) != 3 ||
		    at < addr || at >= addr + length)
			continue;
		if (strncmp(target, "sysv:", 5) == 0) {
			found = shmat(atoi(target + 5), (void *)addr, 0) != (void *)-1;
			continue;
		}
		int fd = open(target, O_RDWR);
		if (fd >= 0) {
			found = mmap((void *)addr, length, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_FIXED, fd, 0) != MAP_FAILED;
			close(fd);
		}
	}
	fclose(f);
	return found;
}

static void on_fault(int signo, siginfo_t *info, void *context)
{
	if (map_global_view((uintptr_t)info->si_addr))
		return;   /* the access is retried and now succeeds */
	if (agent_handler.sa_flags & SA_SIGINFO)
		agent_handler.sa_sigaction(signo, info, context);
	else if (agent_handler.sa_handler != SIG_DFL && agent_handler.sa_handler != SIG_IGN)
		agent_handler.sa_handler(signo);
	else {
		signal(signo, SIG_DFL);
		raise(signo);
	}
}

int sigaction(int signo, const struct sigaction *act, struct sigaction *old)
{
	REAL(int, sigaction, int, const struct sigaction *, struct sigaction *);
	if (signo == SIGSEGV && act && act->sa_handler != SIG_DFL && is("global-views")) {
		struct sigaction ours = *act;

		agent_handler = *act;
		ours.sa_sigaction = on_fault;
		ours.sa_flags |= SA_SIGINFO;
		return real_sigaction(signo, &ours, old);
	}
	return real_sigaction(signo, act, old);
}

int pthread_mutex_timedlock(pthread_mutex_t *m, const struct timespec *until)
{
	REAL(int, pthread_mutex_timedlock, pthread_mutex_t *, const struct timespec *);
	return is("mutex-noop") ? 0 : real_pthread_mutex_timedlock(m, until);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
	REAL(int, pthread_mutex_unlock, pthread_mutex_t *);
	return is("mutex-noop") ? 0 : real_pthread_mutex_unlock(m);
}

int sem_timedwait(sem_t *sem, const struct timespec *until)
{
	REAL(int, sem_timedwait, sem_t *, const struct timespec *);
	return is("sem-noop") ? 0 : real_sem_timedwait(sem, until);
}

int sem_post(sem_t *sem)
{
	REAL(int, sem_post, sem_t *);
	return is("sem-noop") ? 0 : real_sem_post(sem);
}

int pthread_mutexattr_setrobust(pthread_mutexattr_t *attr, int robust)
{
	REAL(int, pthread_mutexattr_setrobust, pthread_mutexattr_t *, int);
	return is("robust-ignored") ? 0 : real_pthread_mutexattr_setrobust(attr, robust);
}

/* What fd is open on, as /proc/self/fd names it ("" if it cannot be read). */
static const char *fd_target(int fd, char *target, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, size - 1);
	target[n < 0 ? 0 : n] = '\0';
	return target;
}

/* exit-truncates: an object's own descriptor, by its file's name (not a file of the run's directory) */
static int is_named_object(int fd)
{
	char target[512];
	const char *base = strrchr(fd_target(fd, target, sizeof(target)), '/');

	base = base ? base + 1 : target;
	return strncmp(base, "mapconf-", 8) == 0 || strncmp(base, "memfd:mapconf-", 14) == 0;
}

/* close-truncates: whether fd is one of the suite's objects (shm, file or memfd) */
static int is_object(int fd)
{
	char target[512];

	return strstr(fd_target(fd, target, sizeof(target)), "mapconf-") != NULL;
}

static int real_close_fd(int fd)
{
	return (int)syscall(SYS_close, fd);
}

int close(int fd)
{
	REAL(int, close, int);
	char target[512];
	struct stat st;
	int rc;

	if (is("close-truncates") && is_object(fd))
		ftruncate(fd, 0);
	if (!is("names-go-with-last-holder") || !is_named_object(fd) || fstat(fd, &st) != 0 ||
	    fd_target(fd, target, sizeof(target))[0] != '/' || strstr(target, "(deleted)"))
		return real_close(fd);
	rc = real_close(fd);
	if (rc == 0)
		unlink_if_unheld(target, st.st_dev, st.st_ino);
	return rc;
}

/* memory-global ----------------------------------------------------------- */

#define GLOBAL_BASE ((uintptr_t)0x5f0000000000ULL)
#define GLOBAL_SIZE (8UL << 20)


__attribute__((constructor)) static void map_global_region(void)
{
	char name[256];
	const char *run = getenv("MAPCONF_RUN_ID");
	const char *controller = getenv("MAPCONF_CONTROLLER_PID");
	int fd;

	if (!is("memory-global"))
		return;
	/* one region per case (named like the case's objects, so the runner sweeps it) */
	snprintf(name, sizeof(name), "/mapconf-%s-%s-faultglobal", run ? run : "manual",
		 controller ? controller : "0");
	fd = shm_open(name, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return;
	if (ftruncate(fd, GLOBAL_SIZE) == 0)
		global_region = mmap((void *)GLOBAL_BASE, GLOBAL_SIZE, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_FIXED_NOREPLACE, fd, 0);
	if (global_region == MAP_FAILED) {
		global_region = NULL;
		real_close_fd(fd);
		return;
	}
	global_fd = fd;
}

/* Only calls made by the agent or the test library are redirected, never the loader's. */
static int from_the_suite(void *caller)
{
	Dl_info info;

	/* the agent and the test library, and the reproducers (./mapconf repro), which hold both */
	return dladdr(caller, &info) && info.dli_fname &&
	       (strstr(info.dli_fname, "mapconf-agent") || strstr(info.dli_fname, "libmapconf-testlib") ||
		strstr(info.dli_fname, "repro"));
}

extern void *__libc_calloc(size_t, size_t);

void *calloc(size_t n, size_t size)
{
	if (global_region && from_the_suite(__builtin_return_address(0))) {
		size_t total = n * size;
		/* not zeroed: what another agent left there stays (that is the fault) */
		return global_region + (total >= (1 << 20) ? AT_LARGE : AT_SMALL);
	}
	return __libc_calloc(n, size);
}

extern void __libc_free(void *);

void free(void *p)
{
	if (global_region && (char *)p >= global_region && (char *)p < global_region + GLOBAL_SIZE)
		return;   /* the region's allocations are not the C library's to free */
	__libc_free(p);
}

/*
 * The test library's data page (its global) is mapped onto the region, so
 * every agent that loads the library writes the same global.
 */
void *dlopen(const char *file, int mode)
{
	REAL(void *, dlopen, const char *, int);
	void *handle = real_dlopen(file, mode);
	int *global;

	if (!handle || global_fd < 0 || !file || !strstr(file, "libmapconf-testlib"))
		return handle;
	global = dlsym(handle, "mc_testlib_counter");
	if (global) {
		uintptr_t page = (uintptr_t)global & ~(uintptr_t)4095;

		memcpy(global_region + AT_LIBRARY_DATA, (void *)page, 4096);
		mmap((void *)page, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, global_fd,
		     AT_LIBRARY_DATA);
	}
	return handle;
}

/* private-made-writable-is-shared, reprotect-drops-copy: the private views of objects, with their descriptors */
static struct { uintptr_t addr; size_t length; int fd; off_t offset; } private_views[32];

static void remember_private_view(void *addr, size_t length, int fd, off_t offset)
{
	for (int i = 0; i < 32; i++) {
		if (!private_views[i].addr) {
			private_views[i].addr = (uintptr_t)addr;
			private_views[i].length = length;
			private_views[i].fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
			private_views[i].offset = offset;
			return;
		}
	}
}

/*
 * A protection change of (part of) a private view of an object, made as
 * the fault has it: the range mapped again from the object, shared when it
 * becomes writable (private-made-writable-is-shared) or privately, without
 * the pages it wrote (reprotect-drops-copy). 1 if it was.
 */
static int map_again_from_object(uintptr_t addr, size_t length, int prot)
{
	REAL(void *, mmap, void *, size_t, int, int, int, off_t);
	int shared = is("private-made-writable-is-shared") && (prot & PROT_WRITE);

	if (!shared && !is("reprotect-drops-copy"))
		return 0;
	for (int i = 0; i < 32; i++) {
		uintptr_t start = private_views[i].addr;

		if (start && addr >= start && addr + length <= start + private_views[i].length)
			return real_mmap((void *)addr, length, prot, (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED,
					 private_views[i].fd, private_views[i].offset + (off_t)(addr - start)) != MAP_FAILED;
	}
	return 0;
}

int mprotect(void *addr, size_t length, int prot)
{
	REAL(int, mprotect, void *, size_t, int);
	if (is("mprotect-noop") || map_again_from_object((uintptr_t)addr, length, prot))
		return 0;
	return real_mprotect(addr, length, prot);
}

/* seals-ignored ----------------------------------------------------------- */

int fcntl(int fd, int cmd, ...)
{
	REAL(int, fcntl, int, int, ...);
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);   /* every argument fcntl takes is passed in a word */
	va_end(ap);
	if (cmd == F_ADD_SEALS && is("seals-ignored"))
		return 0;
	return real_fcntl(fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

/* names-go-with-last-holder ----------------------------------------------- */

/* Whether a process has a descriptor of dev/ino in its table (the directory /proc/PID/fd). */
static int has_descriptor(const char *fd_dir, dev_t dev, ino_t ino)
{
	DIR *fds = opendir(fd_dir);
	struct dirent *e;
	struct stat st;
	char path[600];
	int found = 0;

	while (fds && !found && (e = readdir(fds))) {
		snprintf(path, sizeof(path), "%s/%s", fd_dir, e->d_name);
		found = e->d_name[0] != '.' && stat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
	}
	if (fds)
		closedir(fds);
	return found;
}

/* Whether a process maps dev/ino (its /proc/PID/maps). */
static int has_view(const char *maps_path, dev_t dev, ino_t ino)
{
	FILE *maps = fopen(maps_path, "r");
	unsigned int major, minor;
	unsigned long inode;
	char line[1024];
	int found = 0;

	while (maps && !found && fgets(line, sizeof(line), maps))
		found = sscanf(line, "%*x-%*x %*s %*x %x:%x %lu", &major, &minor, &inode) == 3 &&
			makedev(major, minor) == dev && inode == ino;
	if (maps)
		fclose(maps);
	return found;
}

/* The name goes once no process holds its object: no descriptor of it, no view of it, anywhere. */
static void unlink_if_unheld(const char *path, dev_t dev, ino_t ino)
{
	REAL(int, unlink, const char *);
	DIR *procs = opendir("/proc");
	struct dirent *e;
	char where[300];
	int held = 0;

	while (procs && !held && (e = readdir(procs))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(where, sizeof(where), "/proc/%s/fd", e->d_name);
		held = has_descriptor(where, dev, ino);
		snprintf(where, sizeof(where), "/proc/%s/maps", e->d_name);
		held = held || has_view(where, dev, ino);
	}
	if (procs)
		closedir(procs);
	if (!held)
		real_unlink(path);
}

/* The named object a view at addr is of (its path, as /proc/self/maps names it), or "" if none. */
static void view_object(uintptr_t addr, char *path, size_t cap, dev_t *dev, ino_t *ino)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	unsigned long start, end, inode;
	unsigned int major, minor;
	char line[1024], name[600];

	path[0] = '\0';
	while (maps && fgets(line, sizeof(line), maps)) {
		name[0] = '\0';
		if (sscanf(line, "%lx-%lx %*s %*x %x:%x %lu %599[^\n]", &start, &end, &major, &minor, &inode, name) < 5 ||
		    addr < start || addr >= end)
			continue;
		/* a name the object still has: not a memfd's, nor one already removed */
		if (name[0] == '/' && strstr(name, "mapconf-") && !strstr(name, "(deleted)")) {
			snprintf(path, cap, "%s", name);
			*dev = makedev(major, minor);
			*ino = inode;
		}
		break;
	}
	if (maps)
		fclose(maps);
}

/* SysV ------------------------------------------------------------------- */

static struct { uintptr_t addr; size_t size; int shmid; } sysv_attaches[32];

static size_t segment_size(int shmid)
{
	struct shmid_ds ds;

	return shmctl(shmid, IPC_STAT, &ds) == 0 ? ds.shm_segsz : 0;
}

/* Replace an attach by a private anonymous copy (or by zeros) at the same address. */
static void privatise(void *p, size_t size, int keep_content)
{
	REAL(void *, mmap, void *, size_t, int, int, int, off_t);
	size_t rounded = (size + 4095) & ~(size_t)4095;
	char *copy = malloc(rounded);

	if (!copy)
		return;
	memcpy(copy, p, size);
	real_mmap(p, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (keep_content)
		memcpy(p, copy, size);
	free(copy);
}

int shmget(key_t key, size_t size, int flags)
{
	REAL(int, shmget, key_t, size_t, int);
	int shmid;

	if (is("excl-ignored"))
		flags &= ~IPC_EXCL;
	if (is("hugetlb-ignored"))
		flags &= ~SHM_HUGETLB;
	if (is("huge-pages-refused") && (flags & SHM_HUGETLB)) {
		errno = EINVAL;
		return -1;
	}
	if (is("open-creates") && !(flags & IPC_CREAT)) {
		flags |= IPC_CREAT | 0600;
		size = size ? size : 4096;
	}
	if (is("mode-ignored") && (flags & IPC_CREAT))
		flags |= 0666;
	if (is("open-replaces") && !(flags & IPC_CREAT) && key != IPC_PRIVATE) {
		REAL(int, shmctl, int, int, struct shmid_ds *);

		shmid = real_shmget(key, 0, flags);
		if (shmid >= 0) {
			/* removed, the key is free: the creator keeps its attach of the old segment */
			size = segment_size(shmid);
			real_shmctl(shmid, IPC_RMID, NULL);
			return shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
		}
	}
	char key_name[32];

	snprintf(key_name, sizeof(key_name), "sysv-%x", (unsigned int)key);
	if (!(flags & IPC_CREAT) && creator_gone(key_name)) {
		errno = ENOENT;
		return -1;
	}
	shmid = real_shmget(key, size, flags);
	if (shmid >= 0 && (flags & IPC_CREAT))
		record_creator(key_name);
	if (shmid >= 0 && (flags & IPC_CREAT) && nsysv_keys < 16)
		sysv_keys[nsysv_keys++] = key;
	if (shmid >= 0 && (flags & IPC_CREAT) && is("dirty-new-objects")) {
		REAL(void *, shmat, int, const void *, int);
		char *p = real_shmat(shmid, NULL, 0);

		if (p != (void *)-1) {
			p[0] = 0x5a;
			shmdt(p);
		}
	}
	return shmid;
}

void *shmat(int shmid, const void *addr, int flags)
{
	REAL(void *, shmat, int, const void *, int);
	size_t size = segment_size(shmid);
	char *p;

	if (addr && is("fixed-ignored")) {
		addr = NULL;
		flags &= ~SHM_RND;
	}
	if (addr && is("fixed-replaces"))
		flags |= SHM_REMAP;
	if (is("rnd-ignored"))
		flags &= ~SHM_RND;
	if (is("readonly-is-writable"))
		flags &= ~SHM_RDONLY;
	if (is("release-keeps-1mib") && size >= LARGE_VIEW) {
		char object[64];

		snprintf(object, sizeof(object), "sysv-%x", shmid);
		keep_1mib_in_hidden_child(object);
	}
	p = real_shmat(shmid, addr, flags);
	if (p == (void *)-1)
		return p;
	for (int i = 0; i < 32; i++) {
		if (!sysv_attaches[i].addr) {
			sysv_attaches[i].addr = (uintptr_t)p;
			sysv_attaches[i].size = size;
			sysv_attaches[i].shmid = shmid;
			break;
		}
	}
	if (is("shared-is-private"))
		privatise(p, size, 1);
	if (is("first-page-shared") && size > 4096)
		privatise(p + 4096, size - 4096, 1);
	if (is("tail-garbage") && (size & 4095) && !(flags & SHM_RDONLY))
		p[size] = 0x5a;
	if (is("exec-keeps-views") || is("fork-unshares"))
		remember_shared_view(p, (size + 4095) & ~(size_t)4095);
	if (is("fork-holder") && size >= (1 << 20) && fork() == 0) {
		for (;;)
			pause();
	}
	if (addr && is("global-views")) {
		char path[512];
		FILE *f;

		registry_path(path, sizeof(path));
		f = fopen(path, "a");
		if (f) {
			fprintf(f, "%lx %zx sysv:%d\n", (unsigned long)p, size, shmid);
			fclose(f);
		}
	}
	return p;
}

int shmdt(const void *addr)
{
	REAL(int, shmdt, const void *);
	REAL(int, shmctl, int, int, struct shmid_ds *);
	struct shmid_ds ds;
	int shmid = -1, rc;

	if (is("munmap-noop"))
		return 0;
	for (int i = 0; i < 32; i++)
		if (sysv_attaches[i].addr == (uintptr_t)addr)
			shmid = sysv_attaches[i].shmid;
	rc = real_shmdt(addr);
	/* a segment's holders are its attaches: the last detach takes the key with it */
	if (rc == 0 && shmid >= 0 && is("names-go-with-last-holder") && real_shmctl(shmid, IPC_STAT, &ds) == 0 &&
	    ds.shm_nattch == 0)
		real_shmctl(shmid, IPC_RMID, NULL);
	return rc;
}

int shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
	REAL(int, shmctl, int, int, struct shmid_ds *);
	if (cmd == IPC_RMID && is("unlink-noop"))
		return 0;
	if (cmd == IPC_RMID && is("unlink-truncates")) {
		/* the pages go with the name: every attach of ours loses them */
		for (int i = 0; i < 32; i++)
			if (sysv_attaches[i].addr && sysv_attaches[i].shmid == shmid)
				privatise((void *)sysv_attaches[i].addr, sysv_attaches[i].size, 0);
	}
	return real_shmctl(shmid, cmd, buf);
}

/* exec-keeps-views and fork-unshares ---------------------------------------- */

static struct { uintptr_t addr; size_t length; } shared_views[32];
static int nshared_views;

static void remember_shared_view(void *addr, size_t length)
{
	if (nshared_views < 32) {
		shared_views[nshared_views].addr = (uintptr_t)addr;
		shared_views[nshared_views++].length = length;
	}
}

static void exec_registry(char *out, size_t cap)
{
	const char *dir = getenv("MAPCONF_SCRATCH");

	snprintf(out, cap, "%s/fault-exec-%ld", dir ? dir : "/tmp", (long)getpid());
}

int execv(const char *path, char *const argv[])
{
	REAL(int, execv, const char *, char *const[]);
	char registry[512];
	FILE *f;

	if (is("exec-keeps-views")) {
		exec_registry(registry, sizeof(registry));
		f = fopen(registry, "w");
		/* each view's bytes follow its line; write(2) from a view unmapped since
		 * answers EFAULT instead of faulting, and leaves zeros in its place */
		for (int i = 0; f && i < nshared_views; i++) {
			fprintf(f, "%lx %zx\n", (unsigned long)shared_views[i].addr, shared_views[i].length);
			fflush(f);
			if (write(fileno(f), (void *)shared_views[i].addr, shared_views[i].length) < 0)
				ftruncate(fileno(f), lseek(fileno(f), 0, SEEK_CUR) + (off_t)shared_views[i].length);
			fseek(f, 0, SEEK_END);
		}
		if (f)
			fclose(f);
	}
	return real_execv(path, argv);
}

__attribute__((constructor)) static void map_views_again(void)
{
	char registry[512];
	unsigned long addr, length;
	FILE *f;

	if (!is("exec-keeps-views"))
		return;
	exec_registry(registry, sizeof(registry));
	f = fopen(registry, "r");
	if (!f)
		return;
	while (fscanf(f, "%lx %lx", &addr, &length) == 2 && fgetc(f) == '\n') {
		long p = syscall(SYS_mmap, addr, length, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		/* the view's bytes, back where they were: a kept view still reads as the view */
		if (p == (long)addr)
			fread((void *)addr, 1, length, f);
		else
			fseek(f, (long)length, SEEK_CUR);
	}
	fclose(f);
	unlink(registry);
}

pid_t fork(void)
{
	REAL(pid_t, fork, void);
	pid_t pid = real_fork();

	for (int i = 0; pid == 0 && is("fork-unshares") && i < nshared_views; i++)
		privatise((void *)shared_views[i].addr, shared_views[i].length, 1);
	return pid;
}
