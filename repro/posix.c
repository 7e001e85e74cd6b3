/*
 * The reproducer's POSIX part: agents are this program run again with
 * --agent (posix_spawn, by the agent client above), memory figures come
 * from a memory cgroup of the program's own where it can make one, and
 * whatever happens, what the run made is removed at the end.
 */
#include <dirent.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#define REPRO_SETTLE_MS 2500

static char cgroup_dir[1200], cgroup_home[1100], scratch_parent[200];

/*
 * Memory figures, as the suite's controller reads them: from a memory
 * cgroup of this run's own when one can be made (root), so that nothing
 * else the machine does moves them; else from /proc/meminfo, which the
 * whole machine moves (the output says so).
 */
static bool cgroup_line(const char *want_controller, char *path, size_t cap)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *controllers = strchr(line, ':'), *where = controllers ? strchr(controllers + 1, ':') : NULL;

		if (!where)
			continue;
		*where++ = '\0';
		where[strcspn(where, "\n")] = '\0';
		if (want_controller ? strstr(controllers + 1, want_controller) != NULL : controllers[1] == '\0') {
			snprintf(path, cap, "%s", where);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	bool ok = f && fputs(text, f) >= 0;

	if (f && fclose(f))
		ok = false;
	return ok;
}

/* Whether the program whose pid the digits at text are has ended (a killed reproducer's leftovers). */
static bool ended_pid(const char *text)
{
	long pid = strtol(text, NULL, 10);

	return pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/*
 * What a reproducer killed before its cleanup left behind, named with its
 * pid: its objects in /dev/shm, its scratch directory (in dir), its memory
 * cgroup (in the cgroup directory parent), with whatever still runs in it.
 */
static void remove_directory(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char entry[1700];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(entry, sizeof(entry), "%s/%s", path, e->d_name);
			if (unlink(entry) != 0 && errno == EISDIR)
				remove_directory(entry);   /* the scratch directory's "other" */
		}
	if (d)
		closedir(d);
	rmdir(path);
}

/* The huge page pool, as a reproducer that raised it found it (HUGE-002), written down in its scratch directory. */
#define HUGE_POOL "/proc/sys/vm/nr_hugepages"
#define HUGE_RECORD "huge-pages-before"

/* The most pages a case adds to the pool (controller/huge_pages.c's MOST_A_CASE_ADDS). */
#define HUGE_MOST_A_CASE_ADDS 16

/* A number from a file of this user's, read without following a link; -1 if there is none such. */
static long long read_own_number(const char *path)
{
	long long value = -1;
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() ? fdopen(fd, "r")
												       : NULL;

	if (f) {
		if (fscanf(f, "%lld", &value) != 1)
			value = -1;
		fclose(f);
	} else if (fd >= 0) {
		close(fd);
	}
	return value;
}

/*
 * Put the pool back as the record in scratch_dir says, and remove the
 * record. The record is followed only where it says what a reproducer
 * could have found (the pool now at most HUGE_MOST_A_CASE_ADDS above it),
 * so it can only give back pages a reproducer took, never reserve any.
 */
static void give_back_huge_pages(const char *scratch_dir)
{
	char path[1500];
	long long before, now = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch_dir, HUGE_RECORD);
	before = read_own_number(path);
	if (before < 0)
		return;
	if ((f = fopen(HUGE_POOL, "r"))) {
		if (fscanf(f, "%lld", &now) != 1)
			now = -1;
		fclose(f);
	}
	if (now > before && now - before <= HUGE_MOST_A_CASE_ADDS && (f = fopen(HUGE_POOL, "w"))) {
		fprintf(f, "%lld\n", before);
		if (fclose(f) != 0)
			return;     /* the record stays for the next sweep */
	}
	unlink(path);
}

/* Whether name in directory fd is this user's, of that type, not a link, and writable by no one else. */
static bool own_entry(int fd, const char *name, mode_t type)
{
	struct stat st;

	return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == type &&
	       st.st_uid == geteuid() && !(st.st_mode & 022);
}

static void sweep_ended_runs(const char *dir, const char *cgroup_parent)
{
	static const char shm[] = "mapconf-repro", scratch_stem[] = "mapconf-repro-";
	char path[1400];
	DIR *d;
	struct dirent *e;

	/* only what this user made: a name in a directory everyone may write is no proof of who made it */
	if ((d = opendir("/dev/shm"))) {
		while ((e = readdir(d)))
			if (strncmp(e->d_name, shm, strlen(shm)) == 0 && ended_pid(e->d_name + strlen(shm)) &&
			    own_entry(dirfd(d), e->d_name, S_IFREG)) {
				snprintf(path, sizeof(path), "/%s", e->d_name);
				shm_unlink(path);
			}
		closedir(d);
	}
	if ((d = opendir(dir))) {
		while ((e = readdir(d)))
			if (strncmp(e->d_name, scratch_stem, strlen(scratch_stem)) == 0 &&
			    ended_pid(e->d_name + strlen(scratch_stem)) && own_entry(dirfd(d), e->d_name, S_IFDIR)) {
				snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
				give_back_huge_pages(path);
				remove_directory(path);
			}
		closedir(d);
	}
	if (cgroup_parent && (d = opendir(cgroup_parent))) {
		while ((e = readdir(d)))
			if (strncmp(e->d_name, scratch_stem, strlen(scratch_stem)) == 0 &&
			    ended_pid(e->d_name + strlen(scratch_stem))) {
				char procs[1500], line[32];
				FILE *f;

				snprintf(path, sizeof(path), "%s/%s", cgroup_parent, e->d_name);
				snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
				for (int round = 0; round < 10 && rmdir(path) != 0 && errno == EBUSY; round++) {
					f = fopen(procs, "re");
					while (f && fgets(line, sizeof(line), f))
						kill((pid_t)atol(line), SIGKILL);
					if (f)
						fclose(f);
					usleep(20000);   /* a bounded wait for the killed to leave the cgroup */
				}
			}
		closedir(d);
	}
}

static void join_memory_cgroup(void)
{
	char own[1024], procs[1300], pid[32];

	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (cgroup_line("memory", own, sizeof(own))) {             /* v1 */
		snprintf(cgroup_home, sizeof(cgroup_home), "/sys/fs/cgroup/memory%s", own);
		snprintf(cgroup_dir, sizeof(cgroup_dir), "%s/mapconf-repro-%ld", cgroup_home, (long)getpid());
	} else if (cgroup_line(NULL, own, sizeof(own))) {          /* v2: beside our own, as the runner does */
		snprintf(cgroup_home, sizeof(cgroup_home), "/sys/fs/cgroup%s", own);
		char *slash = strrchr(own, '/');
		if (slash)
			*slash = '\0';
		snprintf(cgroup_dir, sizeof(cgroup_dir), "/sys/fs/cgroup%s/mapconf-repro-%ld", own, (long)getpid());
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_dir);
	if (cgroup_dir[0]) {
		char parent[1200];

		snprintf(parent, sizeof(parent), "%s", cgroup_dir);
		*strrchr(parent, '/') = '\0';
		sweep_ended_runs(scratch_parent, parent);
	}
	if (!cgroup_dir[0] || mkdir(cgroup_dir, 0755) || !write_text(procs, pid)) {
		if (cgroup_dir[0])
			rmdir(cgroup_dir);
		cgroup_dir[0] = '\0';
		printf("  -- memory is measured in /proc/meminfo (no memory cgroup of its own here): "
		       "run this on a quiet machine\n");
	}
}

static void leave_memory_cgroup(void)
{
	char procs[1300], pid[32];

	if (!cgroup_dir[0])
		return;
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_home);
	write_text(procs, pid);
	rmdir(cgroup_dir);
	cgroup_dir[0] = '\0';
}

/* The huge pages free in the machine's pool, in kB (HugePages_Free x Hugepagesize). */
static uint64_t huge_free_kb(void)
{
	unsigned long long value, pages = 0, kb = 0;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "HugePages_Free: %llu", &value) == 1)
			pages = value;
		else if (sscanf(line, "Hugepagesize: %llu kB", &value) == 1)
			kb = value;
	}
	if (f)
		fclose(f);
	return pages * kb;
}

static uint64_t memory_kb(const char *kind)
{
	char path[1300], line[256];
	const char *keys[3] = { NULL, NULL, NULL };
	long long value = -1;
	FILE *f;

	if (strcmp(kind, "huge_free") == 0)
		return huge_free_kb();
	if (cgroup_dir[0]) {
		snprintf(path, sizeof(path), "%s/memory.stat", cgroup_dir);
		keys[0] = strcmp(kind, "shmem") == 0 ? "shmem" : "mapped_file";
		keys[1] = strcmp(kind, "shmem") == 0 ? NULL : "file_mapped";
	} else {
		snprintf(path, sizeof(path), "/proc/meminfo");
		keys[0] = strcmp(kind, "shmem") == 0 ? "Shmem" : "Mapped";
	}
	f = fopen(path, "re");
	while (f && value < 0 && fgets(line, sizeof(line), f))
		for (int i = 0; keys[i]; i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0 && strchr(": ", line[strlen(keys[i])]))
				value = strtoll(line + strlen(keys[i]) + 1 + strspn(line + strlen(keys[i]) + 1, ": "),
						NULL, 10);
	if (f)
		fclose(f);
	if (value < 0)
		setup_failed("no %s figure in %s", kind, path);
	return (uint64_t)(cgroup_dir[0] ? value / 1024 : value);
}

static void platform_figure(struct mc_reply *r, const char *kind, uint64_t least, uint64_t most)
{
	uint64_t kb = memory_kb(kind);
	struct timespec pause = { 0, 10 * 1000000L }, start, now;
	static char texts[64][2][48];
	static int nfigures;
	const char *why;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((kb >= least && kb <= most) ||
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 > REPRO_SETTLE_MS)
			break;
		nanosleep(&pause, NULL);   /* a bounded wait for a kernel counter, not for a process */
		kb = memory_kb(kind);
	}
	if (nfigures == 64)
		setup_failed("too many memory figures");
	snprintf(texts[nfigures][0], sizeof(texts[nfigures][0]), "ok kb=%" PRIu64, kb);
	memcpy(texts[nfigures][1], texts[nfigures][0], sizeof(texts[nfigures][1]));
	r->ok = true;
	r->text = texts[nfigures][0];
	mc_line_parse(texts[nfigures][1], &r->line, &why);
	nfigures++;
	printf("  -- %s %s: %" PRIu64 " kB\n", cgroup_dir[0] ? "memory cgroup" : "/proc/meminfo", kind, kb);
}

/*
 * The huge page pool is the machine's, and runs of mapconf (or other
 * reproducers) may count or change it at the same time: a program whose
 * script uses huge pages holds their lock, as a case does
 * (controller/huge_pages.c), until it ends. It is root's, in /run.
 */
#define HUGE_POOL_LOCK "/run/mapconf-huge-pages.lock"
#define HUGE_POOL_LOCK_WAIT_S 60

static void hold_huge_pool_lock(void)
{
	struct timespec nap = { 0, 20 * 1000000L }, start, now;
	struct stat st;
	bool huge = false;
	int fd;

	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++)
		huge |= strstr(script[i], "huge") != NULL;
	fd = huge ? open(HUGE_POOL_LOCK, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (geteuid() == 0 ? O_CREAT : 0), 0644)
		  : -1;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != 0)
		return;    /* none to hold: no root run has used the pool */
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > HUGE_POOL_LOCK_WAIT_S)
			finish(2, "another program held the huge page pool (%s) for more than %d s", HUGE_POOL_LOCK,
			       HUGE_POOL_LOCK_WAIT_S);
		nanosleep(&nap, NULL);   /* a bounded wait for a lock, not for a process */
	}
}

/* n more huge pages in the pool, put back by platform_cleanup (or the next reproducer's sweep). */
static void platform_reserve_huge_pages(unsigned int n)
{
	char path[1500];
	long long pool = -1;
	FILE *f = fopen(HUGE_POOL, "r");

	if (geteuid() != 0)
		finish(2, "this program reserves huge pages (%s), which only root can: run it as root", HUGE_POOL);
	if (!f || fscanf(f, "%lld", &pool) != 1)
		setup_failed("cannot read %s", HUGE_POOL);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", scratch, HUGE_RECORD);
	if (access(path, F_OK) != 0 && (!(f = fopen(path, "w")) || fprintf(f, "%lld\n", pool) < 0 || fclose(f)))
		setup_failed("cannot write down the huge page pool in %s", path);
	if (!(f = fopen(HUGE_POOL, "w")) || fprintf(f, "%lld\n", pool + n) < 0 || fclose(f))
		setup_failed("cannot raise %s to %lld", HUGE_POOL, pool + n);
	printf("  -- huge page pool raised from %lld to %lld pages\n", pool, pool + n);
}

static void platform_before_agents(void)
{
	join_memory_cgroup();
}

static void platform_make_file(const char *path, uint64_t bytes)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)bytes) || close(fd))
		setup_failed("cannot make %s: %s", path, strerror(errno));
}

static int platform_agent(int argc, char **argv)
{
	return argc > 1 && strcmp(argv[1], "--agent") == 0 ? agent_main() : -1;
}

/*
 * Every process an agent left (a child it forked, say, that outlived it):
 * this program is their subreaper (set_up), so they are its children now,
 * and each is killed and reaped. 0 when none was left.
 */
static int end_left_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int ended = 0;

	while (d && (e = readdir(d))) {
		char path[300], stat[512];
		long ppid = 0;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "re");
		if (f && fgets(stat, sizeof(stat), f)) {
			const char *after_name = strrchr(stat, ')');
			if (after_name)
				sscanf(after_name + 2, "%*c %ld", &ppid);
		}
		if (f)
			fclose(f);
		if (ppid == (long)getpid()) {
			kill((pid_t)atol(e->d_name), SIGKILL);
			waitpid((pid_t)atol(e->d_name), NULL, 0);
			ended++;
		}
	}
	if (d)
		closedir(d);
	return ended;
}

/* What the run made, removed whatever happened: agents, what they left, objects, files, the cgroup. */
static void platform_cleanup(void)
{
	DIR *d;
	struct dirent *e;
	char path[600];

	mc_agent_kill_all();
	for (int round = 0; round < 100 && end_left_processes() > 0; round++)
		;   /* a child killed while it forked leaves one more */
	if ((d = opendir("/dev/shm"))) {
		while ((e = readdir(d)))
			if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
				snprintf(path, sizeof(path), "/%s", e->d_name);
				shm_unlink(path);
			}
		closedir(d);
	}
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		const char *name = strstr(script[i], "backend=sysv name=");
		char full[256];

		if (name) {
			fill_in(name + strlen("backend=sysv name="), full, sizeof(full));
			full[strcspn(full, " ")] = '\0';
			int id = shmget(mc_sysv_key(full), 0, 0);
			if (id >= 0)
				shmctl(id, IPC_RMID, NULL);
		}
	}
	if (scratch[0]) {
		give_back_huge_pages(scratch);
		remove_directory(scratch);
	}
	leave_memory_cgroup();
}

static void platform_set_up(const char *self)
{
	char exe[PATH_MAX], argv_spec[PATH_MAX + 16], lib[PATH_MAX + 32], pid[32], other[300];
	const char *tmp = getenv("TMPDIR");

	if (!realpath(self, exe) && readlink("/proc/self/exe", exe, sizeof(exe) - 1) < 0)
		finish(2, "cannot find this program's own path");
	snprintf(argv_spec, sizeof(argv_spec), "%s\x1f--agent", exe);
	setenv("MAPCONF_AGENT_ARGV", argv_spec, 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("MAPCONF_CONTROLLER_PID", pid, 1);
	/* the test library, built from this same file (see the build line above) */
	snprintf(lib, sizeof(lib), "%.*s/libmapconf-testlib.so", (int)(strrchr(exe, '/') - exe), exe);
	setenv("MAPCONF_TESTLIB", lib, 0);
	snprintf(prefix, sizeof(prefix), "mapconf-repro%ld-", (long)getpid());
	setenv("MAPCONF_RUN_ID", prefix + strlen("mapconf-"), 1);   /* what a shim names, it names like the objects */
	*strrchr(getenv("MAPCONF_RUN_ID"), '-') = '\0';
	snprintf(scratch_parent, sizeof(scratch_parent), "%s", tmp && *tmp ? tmp : "/tmp");
	sweep_ended_runs(scratch_parent, NULL);
	snprintf(scratch, sizeof(scratch), "%s/mapconf-repro-%ld-XXXXXX", scratch_parent, (long)getpid());
	if (!mkdtemp(scratch))
		finish(2, "cannot make a scratch directory in %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
	/* others may pass through, not list: a file object is guarded by its own mode (ISO-005, ISO-007..010) */
	if (chmod(scratch, 0711))
		finish(2, "cannot open %s to other users' passing: %s", scratch, strerror(errno));
	setenv("MAPCONF_SCRATCH", scratch, 1);   /* where its files are, for a shim that acts on them only */
	snprintf(other, sizeof(other), "%s/other", scratch);
	if (mkdir(other, 0700))
		finish(2, "cannot make %s: %s", other, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);   /* what an agent leaves becomes ours to end (cleanup) */
	hold_huge_pool_lock();
}

