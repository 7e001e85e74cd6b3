/*
 * mapconf-init: the first program of a kernel target's guest
 * (runner/platforms/kernel.py boots it from an initramfs the runner writes,
 * runner/initramfs.py).
 *
 * It mounts what the cases and the case host need (/proc, /sys, devtmpfs
 * on /dev, tmpfs on /dev/shm, cgroup2; / is the initramfs's own tmpfs, with
 * /tmp in it, so that the run's directory there is not hidden), puts the channel serial
 * port on standard input and output in raw mode (the runner's requests in,
 * the answers and the files out, byte for byte), the console on standard
 * error, and then becomes the case host (case_host/case_host.c), which
 * stays pid 1: it owns every process and object of the guest, and ends each
 * that a case leaves.
 *
 * The cases' environment comes later, as a request to the case host.
 * Anything that fails here is said on the console, and the init ends, which
 * panics the kernel: the runner sees a target that never became ready and
 * shows the console.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define CHANNEL "/dev/ttyS1"
#define CONSOLE "/dev/console"
#define CASE_HOST "/mapconf/build/case-host/mapconf-case-host"   /* runner/platforms/kernel.py puts it there */

static int fail(const char *what, const char *where)
{
	fprintf(stderr, "mapconf-init: %s %s: %s\n", what, where, strerror(errno));
	return 1;
}

struct fs {
	const char *source, *target, *type, *options;
	int optional;         /* a kernel without it still runs the cases */
};

static const struct fs filesystems[] = {
	{ "proc", "/proc", "proc", NULL, 0 },
	{ "sysfs", "/sys", "sysfs", NULL, 0 },
	{ "devtmpfs", "/dev", "devtmpfs", NULL, 0 },
	{ "tmpfs", "/dev/shm", "tmpfs", "mode=1777", 0 },
	{ "cgroup2", "/sys/fs/cgroup", "cgroup2", NULL, 1 },
};

/* The channel carries binary files: no echo, no line editing, no newline translation. */
static int raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -1;
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	cfsetspeed(&t, B115200);
	return tcsetattr(fd, TCSANOW, &t);
}

int main(void)
{
	for (size_t i = 0; i < sizeof(filesystems) / sizeof(filesystems[0]); i++) {
		const struct fs *fs = &filesystems[i];

		if (mkdir(fs->target, 0755) < 0 && errno != EEXIST && !fs->optional)
			return fail("cannot make", fs->target);
		if (mount(fs->source, fs->target, fs->type, MS_NOSUID, fs->options) < 0 && !fs->optional)
			return fail("cannot mount", fs->target);
	}
	int console = open(CONSOLE, O_WRONLY | O_NOCTTY);
	if (console >= 0 && console != 2) {
		dup2(console, 2);
		close(console);
	}
	int channel = open(CHANNEL, O_RDWR | O_NOCTTY);
	if (channel < 0)
		return fail("cannot open", CHANNEL);
	if (raw(channel) < 0)
		return fail("cannot make raw", CHANNEL);
	if (dup2(channel, 0) < 0 || dup2(channel, 1) < 0)
		return fail("cannot take", CHANNEL);
	if (channel > 2)
		close(channel);
	setenv("PATH", "/usr/bin:/bin", 1);
	char *argv[] = { CASE_HOST, "--send-files", NULL };
	execv(argv[0], argv);
	return fail("cannot run", CASE_HOST);
}
