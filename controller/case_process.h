/*
 * What a case process sets up on its platform before its first agent
 * starts, so that a case never outlives the program that runs it and a
 * dead agent is an answer, not the case's end.
 *
 * POSIX (case_process.c): the case dies with its runner (PR_SET_PDEATHSIG,
 * when the runner names its pid in MAPCONF_RUNNER_PID), and a write to a
 * dead agent's pipe returns EPIPE instead of raising SIGPIPE.
 * Win32 (case_process_win32.c): nothing to do; the executor runs each case
 * in a job object that ends it with the executor, and a write to a closed
 * pipe already fails with an error.
 */
#ifndef MAPCONF_CASE_PROCESS_H
#define MAPCONF_CASE_PROCESS_H

void mc_case_process_prepare(void);

#endif
