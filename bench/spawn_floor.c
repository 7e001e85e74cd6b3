/*
 * The process-start floor: how long it takes to start and reap count
 * processes of program, one after another (posix_spawn, then waitpid).
 * bench/speed compares a run's wall time with this floor for as many
 * starts as the run made.
 *
 *   build/native/bench/spawn-floor COUNT PROGRAM
 *
 * Prints the seconds it took.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 3 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: spawn-floor COUNT PROGRAM (COUNT > 0)\n");
		return 2;
	}
	long count = atol(argv[1]);
	char *child_argv[] = { argv[2], NULL };
	double start = seconds();

	for (long i = 0; i < count; i++) {
		pid_t pid;
		int status, rc = posix_spawn(&pid, argv[2], NULL, NULL, child_argv, environ);

		if (rc != 0) {
			fprintf(stderr, "spawn-floor: cannot start %s: %s\n", argv[2], strerror(rc));
			return 1;
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "spawn-floor: %s did not exit with status 0\n", argv[2]);
			return 1;
		}
	}
	printf("%.6f\n", seconds() - start);
	return 0;
}
