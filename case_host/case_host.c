/*
 * mapconf-case-host: runs case processes one after another on a target
 * that lives for many cases, so that a case costs a process start, not a
 * target's start: a sandbox (runner/platforms/gvisor.py), a virtual
 * machine whose init it is, a machine reached over ssh, or a bundle run by
 * hand (as mapconf-run).
 *
 * The runner writes one request a line on standard input, fields
 * separated by US (0x1f):
 *
 *     case US <timeout ms> US <output file> [RS <file>]... US <argv 0> US <argv 1> ...
 *     env US <NAME=hex> [US <NAME=hex>]...           the environment of the cases that follow,
 *                                                    each value in hex (it may hold a US)
 *     make US <bytes> US <file> [US <file>]...       files of that many zero bytes (the run's files
 *                                                    made before it begins: an earlier host of the
 *                                                    run may have made them, and they stay as they are)
 *
 * The files of a case (RS, 0x1e, between them) are emptied before the case
 * starts, here, on the target (their directories made if missing): a
 * worker's files are used again case after case, and a file emptied from
 * outside a sandbox would keep its old size in the sandbox's cache, so the
 * case's appends would land past a hole.
 *
 * and reads one answer a line on standard output:
 *
 *     ready pid=<pid> euid=<uid> shm_free=<bytes> memory_cgroup=<1|0>    once, at the start: the
 *                                                    facts of the target a run's conditions come from
 *     ended US <exit=N | signal=N | timeout> US ms=<the case's time> [US removed=<what>]... [US remains=<what>]...
 *     ok scratch_fs=<name> | ended US error=<why>      to env: the filesystem of MAPCONF_SCRATCH, where
 *                                                    the run's file objects live (tmpfs, ramfs, or its
 *                                                    statfs magic in hex): a fact a run's conditions
 *                                                    come from, known only once the environment is
 *     ok | ended US error=<why>                        to make
 *
 * MAPCONF_MEMORY=host-cgroup in the environment asks the host for a memory
 * cgroup of each case's own (memory_cgroup.h), where the runner's cannot reach.
 *
 * With --send-files (a target whose files the runner cannot see), each
 * `ended` of a case is followed by its files, in the request's order, each
 * as a line `file US <length>` and then exactly that many bytes.
 *
 * After each case, whatever it left is removed here, where it lives
 * (processes, the run's /dev/shm objects, SysV segments and scratch
 * files), and named as "removed". As the first process (pid 1) of a
 * namespace of its own, the host owns everything it sees: the target must
 * then hold nothing but this process (and /dev/shm nothing at all), and
 * anything still there is named as "remains", so that the runner starts
 * the next case on a new target. As any other process (a machine it
 * shares), it owns its descendants (it is their subreaper) and what is
 * named for the run.
 *
 * With --hold DIR and --sweep /DIR/PREFIX SECONDS it holds a run's directory
 * on a target reached over ssh, or sweeps those of runs that are gone
 * (run_directory.h).
 *
 * Run as mapconf-run (a bundle, ./mapconf bundle), it takes its requests
 * from the file "jobs" and writes its answers, files included, to
 * "records/answers", both in the directory it is run from.
 */
#define _GNU_SOURCE
#include "answer_item.h"
#include "memory_cgroup.h"
#include "run_directory.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 65536
#define ARGS_MAX 64
#define SEP "\x1f"
#define SHM_DIR "/dev/shm"
#define FILE_SENT_MAX (4 << 20)     /* the runner keeps less of any file; a longer one is cut here */

/* As pid 1 of a namespace of its own: everything it sees is its to end. */
static int owns_namespace;

static char answer[LINE_MAX_BYTES];
static size_t answer_len;

static void add(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	answer_item_add(answer, sizeof(answer), &answer_len, key, fmt, ap);
	va_end(ap);
}

static void send_answer(void)
{
	printf("%s\n", answer);
	fflush(stdout);
	answer_len = 0;
	answer[0] = '\0';
}

static long ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Make the directories above path, as mkdir -p does. */
static void make_parents(const char *path)
{
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s", path);
	for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0711);
		*slash = '/';
	}
}

/* Make path and the directories above it; 0, or -1 with errno. */
static int make_directory(const char *path)
{
	char inside[4200];

	struct stat st;

	snprintf(inside, sizeof(inside), "%s/x", path);
	make_parents(inside);
	if (stat(path, &st) != 0)
		return -1;
	errno = ENOTDIR;
	return S_ISDIR(st.st_mode) ? 0 : -1;
}

/* Empty each file of the list (RS between them); the first is the case's output. */
static int empty_files(char *files)
{
	for (char *f = strtok(files, "\x1e"); f; f = strtok(NULL, "\x1e")) {
		make_parents(f);
		int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0) {
			add("error", "cannot empty %s: %s", f, strerror(errno));
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* Start the case in a session of its own, its output to the output file. */
static pid_t start_case(char **argv, const char *output)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	int out = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	execv(argv[0], argv);
	dprintf(2, "mapconf-case-host: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Wait for the case at most timeout_ms (SIGCHLD is blocked, so a child's end is a signal to wait for). */
static void wait_case(pid_t pid, long timeout_ms)
{
	struct timespec start;
	sigset_t chld;
	int status;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t done = waitpid(pid, &status, WNOHANG);

		if (done == pid) {
			if (WIFSIGNALED(status))
				add("signal", "%d", WTERMSIG(status));
			else
				add("exit", "%d", WEXITSTATUS(status));
			return;
		}
		long left = timeout_ms - ms_since(&start);
		if (left <= 0)
			break;
		struct timespec bound = { left / 1000, (left % 1000) * 1000000 };
		sigtimedwait(&chld, NULL, &bound);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	add("timeout", "%ld", timeout_ms);
}

#define PF_KTHREAD 0x00200000     /* a kernel thread (include/linux/sched.h): no leftover of a case */

/* The name, state and parent of process pid (from its stat line); 0 if it is gone, or
 * is a kernel thread (pid 1 of a virtual machine sees the kernel's own threads). */
static int process_status(long pid, char *name, size_t size, char *state, long *ppid)
{
	unsigned long flags;

	char path[64], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	int got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	char *open = strchr(line, '('), *close = strrchr(line, ')');
	if (!got || !open || !close || close[1] != ' ' ||
	    sscanf(close + 2, "%c %ld %*d %*d %*d %*d %lu", state, ppid, &flags) != 3 || (flags & PF_KTHREAD))
		return 0;
	snprintf(name, size, "%.*s", (int)(close - open - 1), open + 1);
	return 1;
}

/* Whether pid is this host's: any process it sees as pid 1, else one of its descendants. */
static int is_ours(long pid)
{
	char name[64], state;
	long ppid = pid;

	if (owns_namespace)
		return 1;
	for (int depth = 0; depth < 4096 && ppid > 1; depth++) {
		if (ppid == (long)getpid())
			return 1;
		if (!process_status(ppid, name, sizeof(name), &state, &ppid))
			return 0;
	}
	return 0;
}

/* Reap every child that has ended: orphans of the case come to the first process. */
static void reap_ended(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Every process but this one that is still running: kill and reap each
 * (kill set), or name each as remaining. An ended process waiting to be
 * reaped is not a leftover; it is reaped here.
 */
static int other_processes(int kill_them)
{
	DIR *d;
	struct dirent *e;
	int found = 0;

	reap_ended();
	d = opendir("/proc");
	if (!d) {
		add("remains", "/proc unreadable (%s)", strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		long pid = strtol(e->d_name, NULL, 10), ppid;
		char name[64], state;

		if (pid == getpid() || !process_status(pid, name, sizeof(name), &state, &ppid) || state == 'Z' ||
		    !is_ours(pid))
			continue;
		found++;
		if (kill_them) {
			kill((pid_t)pid, SIGKILL);
			add("removed", "process %ld (%s)", pid, name);
		} else {
			add("remains", "process %ld (%s)", pid, name);
		}
	}
	closedir(d);
	if (kill_them && found)
		while (waitpid(-1, NULL, 0) > 0)
			;   /* those that were not our children end with their parents, or come to us (subreaper) */
	return found;
}

/* What every object of the case just ended is named after: mapconf-<run id>-
 * in a sandbox of its own, mapconf-<run id>-<case pid>- on a shared machine. */
static char case_prefix[256];

/*
 * One pass over dir: remove each entry of this run and name it, a SysV mark
 * by removing the segment it names (the case leaves the mark for this);
 * name what cannot be removed, and (others set) every entry not of this
 * run, as remaining.
 */
static void clean_dir(const char *dir, int others)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		const char *mark = strstr(e->d_name, "-sysv-");
		int ours = !strncmp(e->d_name, case_prefix, strlen(case_prefix));
		char path[4096];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (!ours && !others))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!ours) {
			add("remains", "%s", path);
		} else if (mark) {
			key_t key = (key_t)strtoul(mark + 6, NULL, 16);
			int id = shmget(key, 0, 0);

			if (id >= 0 && shmctl(id, IPC_RMID, NULL) == 0)
				add("removed", "SysV segment key 0x%08x", (unsigned int)key);
			unlink(path);
		} else if (unlink(path) == 0) {
			add("removed", "%s", path);
		} else {
			add("remains", "%s (%s)", path, strerror(errno));
		}
	}
	closedir(d);
}

/*
 * SysV segments still in the sandbox (its own IPC namespace): any is a
 * leftover. SHM_STAT takes an index on Linux (up to the highest SHM_INFO
 * answers) and an id on gVisor (whose SHM_INFO used_ids counts every id
 * ever given, removed ones too), so both ranges are asked; but only when
 * used_ids moved since the last look found none, as no segment can have
 * come since.
 */
static int remaining_segments(void)
{
	static int clean_at = 0;
	struct shm_info info;
	int max = shmctl(0, SHM_INFO, (struct shmid_ds *)&info), found = 0;

	if (max < 0) {
		add("remains", "SysV segments unknown (SHM_INFO: %s)", strerror(errno));
		return 1;
	}
	if (info.used_ids == clean_at)
		return 0;
	if (info.used_ids > max)
		max = info.used_ids;
	for (int i = 0; i <= max; i++) {
		struct shmid_ds ds;

		if (shmctl(i, SHM_STAT, &ds) < 0)
			continue;
		found++;
		add("remains", "SysV segment key 0x%08x (%lu attached)", (unsigned int)ds.shm_perm.__key,
		    (unsigned long)ds.shm_nattch);
	}
	if (!found)
		clean_at = info.used_ids;
	return found;
}

static void clean_up_after_case(const char *scratch, const char *run_id, pid_t pid)
{
	if (owns_namespace)
		snprintf(case_prefix, sizeof(case_prefix), "mapconf-%s-", run_id);
	else
		snprintf(case_prefix, sizeof(case_prefix), "mapconf-%s-%ld-", run_id, (long)pid);
	other_processes(1);
	other_processes(0);
	clean_dir(scratch, 0);
	clean_dir(SHM_DIR, owns_namespace);     /* a sandbox's own: nothing else may be there */
	if (owns_namespace)
		remaining_segments();
}

static int split(char *line, char **fields, int max)
{
	int n = 0;

	for (char *f = strtok(line, SEP); f && n < max - 1; f = strtok(NULL, SEP))
		fields[n++] = f;
	fields[n] = NULL;
	return n;
}

/* After a case's answer: each of its files (RS between them), as `file US <length>` and its bytes. */
static void send_files(const char *files)
{
	char list[LINE_MAX_BYTES];

	snprintf(list, sizeof(list), "%s", files);
	for (char *f = strtok(list, "\x1e"); f; f = strtok(NULL, "\x1e")) {
		static char data[FILE_SENT_MAX];
		size_t got = 0;
		int fd = open(f, O_RDONLY | O_CLOEXEC);

		while (fd >= 0 && got < sizeof(data)) {
			ssize_t n = read(fd, data + got, sizeof(data) - got);

			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (fd >= 0)
			close(fd);
		printf("file" SEP "%zu\n", got);
		fwrite(data, 1, got, stdout);
	}
	fflush(stdout);
}

/* Whether this host makes each case's memory cgroup: 0 not yet known, 1 yes, -1 no. */
static int cgroup_per_case;

static void run_case(char **fields, int send)
{
	const char *scratch = getenv("MAPCONF_SCRATCH"), *run_id = getenv("MAPCONF_RUN_ID");
	const char *memory = getenv("MAPCONF_MEMORY");
	char files[LINE_MAX_BYTES], output[4096];
	static long cases;

	snprintf(files, sizeof(files), "%s", fields[2]);
	snprintf(output, sizeof(output), "%.*s", (int)strcspn(fields[2], "\x1e"), fields[2]);
	if (!scratch || !run_id) {
		add("error", "MAPCONF_SCRATCH and MAPCONF_RUN_ID must be set (an env request sets them)");
	} else if (make_directory(scratch) != 0) {
		add("error", "cannot make the scratch directory %s: %s", scratch, strerror(errno));
	} else if (empty_files(fields[2]) == 0) {
		if (!cgroup_per_case) {
			cgroup_per_case = memory && !strcmp(memory, "host-cgroup") ? 1 : -1;
			if (cgroup_per_case > 0)
				memory_cgroup_open(run_id);     /* or each case is told why there is none */
		}
		if (cgroup_per_case > 0)
			memory_cgroup_for_case(++cases);
		struct timespec started;

		clock_gettime(CLOCK_MONOTONIC, &started);
		pid_t pid = start_case(&fields[3], output);

		if (pid < 0)
			add("error", "fork: %s", strerror(errno));
		else
			wait_case(pid, strtol(fields[1], NULL, 10));
		add("ms", "%ld", ms_since(&started));
		clean_up_after_case(scratch, run_id, pid);
		if (cgroup_per_case > 0)
			memory_cgroup_case_done();
	}
	send_answer();
	if (send)
		send_files(files);     /* after every case answer, whatever became of the case */
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* env: NAME=<value in hex> each, for the cases that follow. */
/* The filesystem of the run's scratch directory: on one that keeps its pages
 * in memory (no backing store), a flush cannot leave them clean. */
static const char *scratch_filesystem(void)
{
	static char name[32];
	const char *scratch = getenv("MAPCONF_SCRATCH");
	struct statfs fs;

	if (!scratch || statfs(scratch, &fs) != 0)
		return "unknown";
	if (fs.f_type == TMPFS_MAGIC)
		return "tmpfs";
	if (fs.f_type == RAMFS_MAGIC)
		return "ramfs";
	snprintf(name, sizeof(name), "0x%lx", (unsigned long)fs.f_type);
	return name;
}

static void set_env(char **fields, int n)
{
	for (int i = 1; i < n; i++) {
		char *eq = strchr(fields[i], '='), *in, *out;

		if (!eq || eq == fields[i] || strlen(eq + 1) % 2) {
			add("error", "not NAME=<value in hex>: %s", fields[i]);
			send_answer();
			return;
		}
		*eq = '\0';
		for (in = out = eq + 1; in[0] && hex_digit(in[0]) >= 0 && hex_digit(in[1]) >= 0; in += 2)
			*out++ = (char)(hex_digit(in[0]) * 16 + hex_digit(in[1]));
		if (*in) {
			add("error", "the value of %s is not in hex", fields[i]);
			send_answer();
			return;
		}
		*out = '\0';
		setenv(fields[i], eq + 1, 1);
	}
	printf("ok scratch_fs=%s\n", scratch_filesystem());
	fflush(stdout);
}

/* make: files of fields[1] zero bytes each, made anew with mode 0600 (a run's files made before it begins). */
static void make_files(char **fields, int n)
{
	off_t size = (off_t)strtoll(fields[1], NULL, 10);

	for (int i = 2; i < n; i++) {
		make_parents(fields[i]);
		int fd = open(fields[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd < 0 && errno == EEXIST)
			continue;
		if (fd < 0 || ftruncate(fd, size) != 0) {
			add("error", "cannot make %s: %s", fields[i], strerror(errno));
			if (fd >= 0)
				close(fd);
			send_answer();
			return;
		}
		close(fd);
	}
	printf("ok\n");
	fflush(stdout);
}

/* What the judge says of the machine a bundle ran on (run_info): records/machine, NAME=value lines. */
static void write_machine(const char *when)
{
	FILE *f = fopen("records/machine", "a"), *release = fopen("/etc/os-release", "r");
	struct utsname u;
	char line[512], os[256] = "";

	if (!f)
		return;
	while (release && fgets(line, sizeof(line), release))
		if (sscanf(line, "PRETTY_NAME=\"%255[^\"]\"", os) == 1)
			break;
	if (release)
		fclose(release);
	if (uname(&u) == 0)
		fprintf(f, "kernel=%s %s\nkernel_version=%s\narch=%s\n", u.sysname, u.release, u.version, u.machine);
	if (*os)
		fprintf(f, "os=%s\n", os);
#ifdef __GLIBC__
	fprintf(f, "libc=glibc %s\n", gnu_get_libc_version());
#endif
	fprintf(f, "%s=%lld\n", when, (long long)time(NULL));
	fclose(f);
}

/* Whether records/answers holds something: the records of an earlier run. */
static int answers_exist(void)
{
	struct stat st;

	return stat("records/answers", &st) == 0 && st.st_size > 0;
}

/* As mapconf-run: requests from ./jobs, answers to ./records/answers. A
 * bundle's records are never overwritten (as mapconf-run.exe's). */
static int as_bundle_runner(void)
{
	if (!freopen("jobs", "r", stdin)) {
		fprintf(stderr, "mapconf-run: no file 'jobs' here (%s): run it from the bundle's directory\n",
			strerror(errno));
		return 2;
	}
	if (answers_exist()) {
		fprintf(stderr, "mapconf-run: records/answers is here already, and a bundle's records are not "
			"overwritten: run it in a fresh copy of the bundle, or move records away first\n");
		return 2;
	}
	mkdir("records", 0755);
	unlink("records/machine");
	write_machine("started");
	if (!freopen("records/answers", "w", stdout)) {
		fprintf(stderr, "mapconf-run: cannot write records/answers: %s\n", strerror(errno));
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char line[LINE_MAX_BYTES];
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	int send = argc > 1 && !strcmp(argv[1], "--send-files");
	sigset_t chld;

	if (argc == 3 && !strcmp(argv[1], "--hold"))
		return hold_run_directory(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "--sweep"))
		return sweep_run_directories(argv[2], argv[3]);
	if (argc > 1 + send) {
		fprintf(stderr, "usage: mapconf-case-host [--send-files] | --hold DIR | --sweep /DIR/PREFIX SECONDS "
			"(the runner starts it)\n");
		return 2;
	}
	int bundle = !strcmp(self, "mapconf-run");

	if (bundle) {
		if (as_bundle_runner() != 0)
			return 2;
		send = 1;
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	owns_namespace = getpid() == 1;
	/* orphans of a case come to the host wherever it runs, to be ended after the case */
	if (!owns_namespace && prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		fprintf(stderr, "mapconf-case-host: cannot become a subreaper: %s\n", strerror(errno));
		return 2;
	}
	struct statvfs shm;
	unsigned long long shm_free = statvfs(SHM_DIR, &shm) == 0 ? (unsigned long long)shm.f_bavail * shm.f_frsize : 0;
	printf("ready pid=%ld euid=%ld shm_free=%llu memory_cgroup=%d\n", (long)getpid(), (long)geteuid(), shm_free,
	       memory_cgroup_possible());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char *fields[ARGS_MAX + 4];

		line[strcspn(line, "\n")] = '\0';
		int n = split(line, fields, ARGS_MAX + 4);
		snprintf(answer, sizeof(answer), "ended");
		answer_len = strlen(answer);
		if (n >= 4 && !strcmp(fields[0], "case")) {
			run_case(fields, send);
		} else if (n >= 1 && !strcmp(fields[0], "env")) {
			set_env(fields, n);
		} else if (n >= 2 && !strcmp(fields[0], "make")) {
			make_files(fields, n);
		} else {
			add("error", "bad request (expected: case US timeout_ms US output [RS file]... US argv..., "
			    "env US NAME=hex..., or make US bytes US file...)");
			send_answer();
		}
	}
	memory_cgroup_close();
	if (bundle)
		write_machine("finished");
	return 0;
}
