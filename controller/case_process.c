#define _GNU_SOURCE
#include "case_process.h"
#include "answers.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>

/* A case that outlives its runner would leave agents and objects behind. */
static void die_with_runner(void)
{
	const char *expected = getenv("MAPCONF_RUNNER_PID");
	uint64_t pid;

	if (!expected || mc_parse_u64(expected, &pid))
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != (pid_t)pid)
		_exit(125);
}

void mc_case_process_prepare(void)
{
	die_with_runner();
	/* a write to a dead agent must be an error we see, not a signal that kills us */
	signal(SIGPIPE, SIG_IGN);
}
