#define _GNU_SOURCE
#include "reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *mc_field_where(MC_WHERE, const struct mc_reply *r, const char *key)
{
	const char *v = mc_line_get(&r->line, key);

	if (!v)
		mc_broken(file, line, "answer", "answer \"%s\" has no field '%s'", r->text, key);
	return v;
}

uint64_t mc_field_u64_where(MC_WHERE, const struct mc_reply *r, const char *key)
{
	uint64_t v;

	if (mc_parse_u64(mc_field_where(file, line, r, key), &v))
		mc_broken(file, line, "answer", "answer \"%s\": field '%s' is not a number", r->text, key);
	return v;
}

struct mc_handle mc_handle_of_where(MC_WHERE, const struct mc_reply *r)
{
	struct mc_handle h;

	snprintf(h.id, sizeof(h.id), "%s", mc_field_where(file, line, r, "handle"));
	return h;
}

uint64_t mc_announced_u64_where(MC_WHERE, struct mc_agent *a, const char *key)
{
	struct mc_reply ready = { .ok = true };
	const char *problem;
	char *copy = strdup(mc_agent_ready(a));

	ready.text = mc_agent_ready(a);
	if (!copy || mc_line_parse(copy, &ready.line, &problem))
		mc_broken(file, line, "ready", "agent %s's ready line \"%s\" cannot be read",
			  mc_agent_label(a), ready.text);
	uint64_t v = mc_field_u64_where(file, line, &ready, key);
	free(copy);
	return v;
}
