#include "requests.h"
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define REQUEST_MAX 1024
#define WHY_MAX 512
#define VERB_MAX 64

void mc_end_unless_answered(MC_WHERE, const char *step, enum mc_call_status st, const char *why)
{
	if (st == MC_CALL_TIMEOUT)
		mc_timed_out(file, line, step, "%s", why);
	if (st != MC_CALL_ANSWERED)
		mc_broken(file, line, step, "%s", why);
}

/* The request's verb, its first word: the name of the step it is. */
static const char *verb_of(const char *request, char *verb, size_t cap)
{
	size_t n = strcspn(request, " ");

	if (n >= cap)
		n = cap - 1;
	memcpy(verb, request, n);
	verb[n] = '\0';
	return verb;
}

static struct mc_reply call(MC_WHERE, struct mc_agent *a, const char *request)
{
	char why[WHY_MAX], verb[VERB_MAX];
	struct mc_reply r;

	mc_end_unless_answered(file, line, verb_of(request, verb, sizeof(verb)),
			       mc_agent_call(a, &r, request, why, sizeof(why)), why);
	return r;
}

struct mc_reply mc_try_where(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
{
	char request[REQUEST_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(request, sizeof(request), fmt, ap);
	va_end(ap);
	return call(file, line, a, request);
}

struct mc_reply mc_step_where(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
{
	char request[REQUEST_MAX], verb[VERB_MAX];
	va_list ap;
	struct mc_reply r;

	va_start(ap, fmt);
	vsnprintf(request, sizeof(request), fmt, ap);
	va_end(ap);
	r = call(file, line, a, request);
	mc_trace("require #%d", r.seq);
	if (r.ok)
		return r;
	verb_of(request, verb, sizeof(verb));
	if (strcmp(r.code, "unsupported") == 0)
		mc_skip(file, line, verb, "%s does not support \"%s\": %s", mc_agent_label(a), request,
			r.text);
	mc_broken(file, line, verb, "step failed: %s \"%s\" answered \"%s\"", mc_agent_label(a), request,
		  r.text);
}

void mc_try_each_where(MC_WHERE, struct mc_agent **agents, int n, char requests[][MC_REQUEST_EACH_MAX],
		       struct mc_reply *replies)
{
	char why[WHY_MAX], verb[VERB_MAX];

	for (int i = 0; i < n; i++)
		mc_end_unless_answered(file, line, verb_of(requests[i], verb, sizeof(verb)),
				       mc_agent_send(agents[i], requests[i], why, sizeof(why)), why);
	for (int i = 0; i < n; i++)
		mc_end_unless_answered(file, line, verb_of(requests[i], verb, sizeof(verb)),
				       mc_agent_receive(agents[i], &replies[i], why, sizeof(why)), why);
}
