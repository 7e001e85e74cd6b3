#include "requests.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define REQUEST_MAX 1024
#define WHY_MAX 512

void mc_end_unless_answered(MC_WHERE, enum mc_call_status st, const char *why)
{
	if (st == MC_CALL_TIMEOUT)
		mc_timed_out(file, line, "%s", why);
	if (st != MC_CALL_ANSWERED)
		mc_broken(file, line, "%s", why);
}

static struct mc_reply call(MC_WHERE, struct mc_agent *a, const char *request)
{
	char why[WHY_MAX];
	struct mc_reply r;

	mc_end_unless_answered(file, line, mc_agent_call(a, &r, request, why, sizeof(why)), why);
	return r;
}

struct mc_reply mc_try_at(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
{
	char request[REQUEST_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(request, sizeof(request), fmt, ap);
	va_end(ap);
	return call(file, line, a, request);
}

struct mc_reply mc_step_at(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
{
	char request[REQUEST_MAX];
	va_list ap;
	struct mc_reply r;

	va_start(ap, fmt);
	vsnprintf(request, sizeof(request), fmt, ap);
	va_end(ap);
	r = call(file, line, a, request);
	if (r.ok)
		return r;
	if (strcmp(r.code, "unsupported") == 0)
		mc_skip(file, line, "%s does not support \"%s\": %s", mc_agent_label(a), request, r.text);
	mc_broken(file, line, "step failed: %s \"%s\" answered \"%s\"", mc_agent_label(a), request,
		  r.text);
}

void mc_try_each_at(MC_WHERE, struct mc_agent **agents, int n, char requests[][MC_REQUEST_EACH_MAX],
		    struct mc_reply *replies)
{
	char why[WHY_MAX];

	for (int i = 0; i < n; i++)
		mc_end_unless_answered(file, line, mc_agent_send(agents[i], requests[i], why, sizeof(why)), why);
	for (int i = 0; i < n; i++)
		mc_end_unless_answered(file, line, mc_agent_receive(agents[i], &replies[i], why, sizeof(why)), why);
}
