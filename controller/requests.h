/*
 * Raw requests: a request line written out by hand, sent to an agent.
 *
 * Cases never use these: they speak the typed steps and checks (steps.h,
 * checks.h), each named after what it does in the contract's words, so a
 * case reads like its clause. The typed wrappers are built on these, and
 * so are the selftest's cases that break on purpose, which need requests
 * no case would make (an unknown verb, a hang, a malformed answer).
 */
#ifndef MAPCONF_REQUESTS_H
#define MAPCONF_REQUESTS_H

#include "printf_format.h"

#include "reply.h"

#include <stddef.h>

/* The request's answer, ok or err, for a check to judge; no answer at all ends the case. */
struct mc_reply mc_try_where(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
	MC_PRINTF(4, 5);
/*
 * A request the case needs to succeed: "err code=unsupported" ends it as
 * SKIP (the platform lacks the backend), any other error as ERROR (the
 * environment broke); never as FAIL. Either ending names the request's verb
 * as its step (step=create).
 */
struct mc_reply mc_step_where(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
	MC_PRINTF(4, 5);
/* The longest request mc_try_each sends. */
#define MC_REQUEST_EACH_MAX 256
/*
 * Requests to several agents at once (requests[i] to agents[i]): all are
 * sent before any answer is read; replies[i] is agents[i]'s answer.
 */
void mc_try_each_where(MC_WHERE, struct mc_agent **agents, int n, char requests[][MC_REQUEST_EACH_MAX],
		       struct mc_reply *replies);
/* A call that got no well-formed answer ends the case at step: TIMEOUT, or ERROR with why. */
void mc_end_unless_answered(MC_WHERE, const char *step, enum mc_call_status st, const char *why);

#define mc_try(a, ...)  mc_try_where(MC_HERE, a, __VA_ARGS__)
#define mc_step(a, ...) mc_step_where(MC_HERE, a, __VA_ARGS__)
#define mc_try_each(agents, n, reqs, replies) mc_try_each_where(MC_HERE, agents, n, reqs, replies)

#endif
