#define _GNU_SOURCE
#include "huge_pages.h"
#include "run_env.h"
#include "trace.h"
#include "transcript.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POOL "/proc/sys/vm/nr_hugepages"
/* runner/huge_pages.py's LOCK: root's, in /run, which no other user can write */
#define POOL_LOCK "/run/mapconf-huge-pages.lock"
#define POOL_LOCK_WAIT_S 30
/* The most pages a case may add to the pool, all its reservations together:
 * the runner puts a recorded pool back only when the pool is above it by no
 * more than this (runner/huge_pages.py's MOST_A_CASE_ADDS), so a record
 * can never make it reserve memory, nor free more than a case took. */
#define MOST_A_CASE_ADDS 16
/* linux/capability.h's CAP_IPC_LOCK, without the kernel headers */
#define CAP_IPC_LOCK_BIT 14

/* The pool's size when this case first raised it; -1 while it has not. */
static long long pool_before = -1;

/*
 * The pool is the machine's, and other runs of mapconf may be counting or
 * changing it at the same time: from the first look until the case ends
 * (the lock goes with the process), no other case of any run does.
 * Without the file (no root run has made it yet) and not being root, there
 * is no root run's reservation to wait for.
 */
static void hold_pool_lock(void)
{
	static int fd = -1;
	int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC;
	const struct timespec nap = { 0, 20 * 1000 * 1000 };
	struct timespec start, now;
	struct stat st;

	if (fd >= 0)
		return;
	fd = open(POOL_LOCK, flags | (geteuid() == 0 ? O_CREAT : 0), 0644);
	if (fd < 0)
		return;
	if (fstat(fd, &st) != 0 || st.st_uid != 0) {     /* not root's: nothing to trust */
		close(fd);
		fd = -1;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);    /* a bound the wall clock's steps cannot shorten */
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > POOL_LOCK_WAIT_S)
			mc_broken(__FILE__, __LINE__, "huge-pages",
				  "another case held the huge page pool (%s) for more than %d s", POOL_LOCK,
				  POOL_LOCK_WAIT_S);
		nanosleep(&nap, NULL);
	}
}

uint64_t mc_huge_pages_free(uint64_t *page_size)
{
	unsigned long long value, free_pages = 0, kb = 0;
	char line[256];
	FILE *f;

	hold_pool_lock();
	f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "HugePages_Free: %llu", &value) == 1)
			free_pages = value;
		else if (sscanf(line, "Hugepagesize: %llu kB", &value) == 1)
			kb = value;
	}
	if (f)
		fclose(f);
	*page_size = kb * 1024;
	return kb ? free_pages : 0;
}

static long long read_pool(void)
{
	long long pages = -1;
	FILE *f = fopen(POOL, "r");

	if (f) {
		if (fscanf(f, "%lld", &pages) != 1)
			pages = -1;
		fclose(f);
	}
	return pages;
}

static int write_pool(long long pages)
{
	FILE *f = fopen(POOL, "w");
	int rc;

	if (!f)
		return -1;
	rc = fprintf(f, "%lld\n", pages) < 0;
	return fclose(f) != 0 || rc ? -1 : 0;
}

/* Where the pool's size before the case is written down, for the runner to put back if the case cannot. */
static const char *record_path(void)
{
	static char path[600];
	const char *named = getenv("MAPCONF_HUGE_PAGES_RECORD");

	if (named && *named)
		return named;
	snprintf(path, sizeof(path), "%s/huge-pages-before", mc_scratch_dir());
	return path;
}

/*
 * Open the pool for writing, as the case's own process: the system is asked,
 * whoever the case runs as. A refusal (EACCES, EPERM, EROFS: not root, or a
 * read-only /proc) or a kernel with no pool to open (ENOENT) is the
 * platform's answer, and skips the case; anything else ends it as ERROR.
 */
static int open_pool_where(MC_WHERE)
{
	int fd = open(POOL, O_WRONLY | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		mc_skip(file, line, "huge-pages", "the kernel has no huge page pool: opening %s answers %s", POOL,
			strerror(errno));
	if (errno == EACCES || errno == EPERM || errno == EROFS)
		mc_skip(file, line, "reserve", "the system refuses to let this case change the huge page pool: "
			"opening %s for writing answers %s", POOL, strerror(errno));
	mc_broken(file, line, "reserve", "cannot open %s for writing: %s", POOL, strerror(errno));
}

/* The record is made anew, never through a link: the run directory is the
 * run's own, but the case may have been started by hand in a shared one. */
static FILE *open_record(void)
{
	FILE *f;
	int fd;

	unlink(record_path());
	fd = open(record_path(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (!(f = fdopen(fd, "w")))
		close(fd);
	return f;
}

uint64_t mc_reserve_huge_pages_where(MC_WHERE, unsigned int n)
{
	uint64_t page_size, free_before = mc_huge_pages_free(&page_size);   /* holds the pool's lock from here */
	int fd = open_pool_where(file, line);
	long long pool = read_pool();
	char raised[32];
	FILE *record;

	if (pool < 0 || !page_size)
		mc_broken(file, line, "reserve", "the kernel's huge page pool (%s) opens, but %s", POOL,
			  pool < 0 ? "cannot be read" : "/proc/meminfo names no huge page size");
	long long added = (pool_before >= 0 ? pool - pool_before : 0) + n;
	if (added > MOST_A_CASE_ADDS)
		mc_broken(file, line, "reserve", "a case may add at most %d huge pages to the pool; this one would add %lld",
			  MOST_A_CASE_ADDS, added);
	if (pool_before < 0) {
		if (!(record = open_record()) || fprintf(record, "%lld\n", pool) < 0 || fclose(record))
			mc_broken(file, line, "reserve", "cannot write down the huge page pool in %s: %s", record_path(),
				  strerror(errno));
		pool_before = pool;
	}
	mc_trace("reserve-huge-pages %u", n);
	int length = snprintf(raised, sizeof(raised), "%lld\n", pool + n);
	if (write(fd, raised, (size_t)length) != length)
		mc_broken(file, line, "reserve", "cannot raise %s to %lld: %s", POOL, pool + n, strerror(errno));
	close(fd);
	mc_transcript_note("huge page pool raised from %lld to %lld pages", pool, pool + n);
	uint64_t free_now = mc_huge_pages_free(&page_size);
	if (free_now < free_before + n)
		mc_broken(file, line, "reserve", "the huge page pool grew by %llu free pages, not %u: the kernel found "
			  "no room for more", (unsigned long long)(free_now - free_before), n);
	return page_size;
}

/*
 * Linux lets SHM_HUGETLB through only for a process with CAP_IPC_LOCK or in
 * the group vm.hugetlb_shm_group names (ipc/shm.c, hugetlb_file_setup); the
 * agents run with the controller's credentials. Read here, never by an
 * agent: the fact chooses what the refusal is, not whether it is asked for.
 */
static bool may_make_huge_sysv(void)
{
	unsigned long long caps = 0;
	long group = -1;
	gid_t groups[NGROUPS_MAX];
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "CapEff: %llx", &caps);
	if (f)
		fclose(f);
	if (caps & (1ULL << CAP_IPC_LOCK_BIT))
		return true;
	if ((f = fopen("/proc/sys/vm/hugetlb_shm_group", "r"))) {
		if (fscanf(f, "%ld", &group) != 1)
			group = -1;
		fclose(f);
	}
	if (group < 0)
		return false;
	if (getegid() == (gid_t)group)
		return true;
	int n = getgroups(NGROUPS_MAX, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == (gid_t)group)
			return true;
	return false;
}

const char *mc_huge_refusal(bool sysv)
{
	if (!sysv || may_make_huge_sysv())
		return "no_memory";
	mc_transcript_note("SHM_HUGETLB needs CAP_IPC_LOCK or the group of vm.hugetlb_shm_group, and this case "
			   "has neither: the request is refused for that first (access_denied)");
	return "access_denied";
}

void mc_huge_pages_give_back(void)
{
	if (pool_before < 0)
		return;
	if (write_pool(pool_before) == 0) {
		mc_transcript_note("huge page pool put back to %lld pages", pool_before);
		unlink(record_path());
	} else {
		mc_transcript_note("could not put the huge page pool back to %lld pages: %s (the runner will)",
				   pool_before, strerror(errno));
	}
	pool_before = -1;
}
