/*
 * Benchmark: the time of one request and answer between the controller and
 * an agent, as cases see it (mc_agent_call over the pipes).
 *
 *   build/native/tests/bench_roundtrip [COUNT]
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "agent_client.h"
#include "transcript.h"

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long count = argc > 1 ? atol(argv[1]) : 20000;
	char why[256];
	struct mc_reply r;
	struct mc_agent *a;
	double start, spawn;

	signal(SIGPIPE, SIG_IGN);
	mc_transcript_open("/dev/null");
	start = seconds();
	a = mc_agent_spawn("B", why, sizeof(why));
	if (!a) {
		fprintf(stderr, "bench_roundtrip: %s\n", why);
		return 1;
	}
	spawn = seconds() - start;
	start = seconds();
	for (long i = 0; i < count; i++) {
		if (mc_agent_call(a, &r, "probe addr=0x1000 access=read", why, sizeof(why)) != MC_CALL_ANSWERED) {
			fprintf(stderr, "bench_roundtrip: %s\n", why);
			return 1;
		}
	}
	printf("agent start: %.2f ms; round trip: %.1f us (mean of %ld probes)\n", spawn * 1e3,
	       (seconds() - start) / (double)count * 1e6, count);
	mc_agent_kill_all();
	return 0;
}
