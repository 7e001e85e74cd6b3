/*
 * A run's directory on a target: /tmp/mapconf-target-<run id>, made by the
 * runner with mkdir and tar over ssh (the target has no Python), then held
 * for the run's life by one process (--hold) with an exclusive flock on
 * its file "lock". The kernel drops the lock when that process ends, and
 * it ends when its ssh session does, however the runner died: "the lock
 * can be taken" is an exact test that the run is gone, as for the local run
 * directories (runner/rundir.py).
 *
 * The lock is taken on "lock.taking" and only then renamed to "lock", so a
 * directory's "lock" is never there unheld while its run lives. A
 * directory without one is a run's between its mkdir and its holder's
 * start, which the runner bounds: one older than the bound it is given is
 * a run's that was killed before its holder started.
 *
 * The sweep (--sweep) trusts nothing another user can write: only real
 * directories (never a symbolic link) of this user, named as a run's, are
 * looked at, their lock must be this user's regular file, nothing in them
 * is followed, and only this user's processes whose program lies in a gone
 * run's directory are ended (through a pidfd, so a pid used again is never
 * the one signalled).
 */
#define _GNU_SOURCE
#include "run_directory.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define LOCK "lock"
#define LOCK_TAKING "lock.taking"
#define KILL_ROUNDS_MAX 100     /* a process may fork while its run's are ended: look again, within a bound */
#define KILLED_MAX 4096

int hold_run_directory(const char *dir)
{
	struct stat st;
	char buf[4096];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dfd < 0 || fstat(dfd, &st) != 0 || st.st_uid != geteuid()) {
		fprintf(stderr, "mapconf-case-host: %s is not a directory of this user's to hold: %s\n", dir,
			dfd < 0 ? strerror(errno) : "another user owns it");
		return 2;
	}
	int fd = openat(dfd, LOCK_TAKING, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0 || renameat(dfd, LOCK_TAKING, dfd, LOCK) != 0) {
		fprintf(stderr, "mapconf-case-host: cannot take the lock of %s: %s\n", dir, strerror(errno));
		return 2;
	}
	printf("held\n");
	fflush(stdout);
	/* the end of input is the end of the run, or of its ssh session: the lock goes with this process */
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	return 0;
}

/* Whether name is a run id (runner/rundir.py, RUN_ID_FORM: [0-9]+[0-9a-f]{4}). */
static int is_run_id(const char *name)
{
	size_t n = strlen(name);

	if (n < 5)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(name[i] >= '0' && name[i] <= '9') && !(i >= n - 4 && name[i] >= 'a' && name[i] <= 'f'))
			return 0;
	return 1;
}

/* Whether the run of the directory dfd (st) is gone; *lock then holds its lock, if it has one. */
static int run_is_gone(int dfd, const struct stat *st, long unlocked_s, int *lock)
{
	struct stat lst;
	int fd = openat(dfd, LOCK, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT && time(NULL) - st->st_mtime > unlocked_s;
	if (fstat(fd, &lst) != 0 || !S_ISREG(lst.st_mode) || lst.st_uid != geteuid() ||
	    flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return 0;
	}
	*lock = fd;
	return 1;
}

/* Whether process pid is this user's and runs a program under dir/. */
static int runs_from(long pid, const char *dir)
{
	char path[64], exe[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);

	snprintf(path, sizeof(path), "/proc/%ld", pid);
	if (stat(path, &st) != 0 || st.st_uid != geteuid())
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/exe", pid);
	ssize_t len = readlink(path, exe, sizeof(exe) - 1);

	if (len <= 0)
		return 0;
	exe[len] = '\0';
	return !strncmp(exe, dir, n) && exe[n] == '/';
}

/* End this user's processes that run a program under dir/; how many. */
static int end_processes(const char *dir)
{
	static long killed[KILLED_MAX];
	int count = 0;

	for (int round = 0; round < KILL_ROUNDS_MAX; round++) {
		DIR *proc = opendir("/proc");
		struct dirent *e;
		int found = 0;

		if (!proc)
			break;
		while ((e = readdir(proc))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			int seen = 0;

			if (*end || pid <= 0 || pid == getpid())
				continue;
			for (int i = 0; i < count; i++)
				seen |= killed[i] == pid;
			/* the process is pinned first, then judged: the one judged is the one signalled */
			int pidfd = seen ? -1 : (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);

			if (pidfd < 0)
				continue;
			if (runs_from(pid, dir) && syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0) {
				printf("removed process %ld of the run that made %s\n", pid, dir);
				if (count < KILLED_MAX)
					killed[count++] = pid;
				found = 1;
			}
			close(pidfd);
		}
		closedir(proc);
		if (!found)
			break;
	}
	return count;
}

/* Remove everything in the directory dfd, following no link; 0, or -1 with errno. */
static int empty_directory(int dfd)
{
	int copy = dup(dfd);
	DIR *d = copy < 0 ? NULL : fdopendir(copy);
	struct dirent *e;
	int result = 0;

	if (!d) {
		if (copy >= 0)
			close(copy);
		return -1;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0)
			continue;
		if (errno != EISDIR) {
			result = -1;
			continue;
		}
		int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (sub < 0 || empty_directory(sub) != 0 || unlinkat(dfd, e->d_name, AT_REMOVEDIR) != 0)
			result = -1;
		if (sub >= 0)
			close(sub);
	}
	closedir(d);
	return result;
}

/* Sweep the entry name of the directory pfd (dir's path, real, is parent/name). */
static void sweep_one(int pfd, const char *parent, const char *name, long unlocked_s)
{
	char path[PATH_MAX + NAME_MAX + 2];
	struct stat st;
	int lock = -1;

	snprintf(path, sizeof(path), "%s/%s", parent, name);
	int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (dfd < 0 || fstat(dfd, &st) != 0 || st.st_uid != geteuid()) {
		printf("left %s: %s\n", path, dfd < 0 ? "not a directory (a symbolic link, or a file)" :
		       "another user's directory");
		if (dfd >= 0)
			close(dfd);
		return;
	}
	if (!run_is_gone(dfd, &st, unlocked_s, &lock)) {
		close(dfd);
		return;
	}
	end_processes(path);
	if (empty_directory(dfd) != 0 || unlinkat(pfd, name, AT_REMOVEDIR) != 0)
		printf("left %s: the run that made it is gone, and it cannot be removed: %s\n", path, strerror(errno));
	else
		printf("removed %s\n", path);
	if (lock >= 0)
		close(lock);
	close(dfd);
}

int sweep_run_directories(const char *prefix, const char *unlocked_seconds)
{
	char parent[PATH_MAX], real[PATH_MAX], *end;
	const char *slash = strrchr(prefix, '/');
	long unlocked_s = strtol(unlocked_seconds, &end, 10);

	if (!slash || slash == prefix || *end || unlocked_s <= 0 || (size_t)(slash - prefix) >= sizeof(parent)) {
		fprintf(stderr, "mapconf-case-host: --sweep takes /DIR/NAME-PREFIX and a number of seconds, "
			"not %s %s\n", prefix, unlocked_seconds);
		return 2;
	}
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - prefix), prefix);
	const char *start = slash + 1;
	size_t n = strlen(start);
	/* the processes' programs are seen by their real path */
	DIR *d = realpath(parent, real) ? opendir(real) : NULL;
	struct dirent *e;

	if (!d) {
		fprintf(stderr, "mapconf-case-host: cannot read %s: %s\n", parent, strerror(errno));
		return 2;
	}
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, start, n) && is_run_id(e->d_name + n))
			sweep_one(dirfd(d), real, e->d_name, unlocked_s);
	closedir(d);
	printf("swept\n");
	fflush(stdout);
	return 0;
}
