/*
 * Memory from the process's own allocators (alloc), the verb the same in
 * every agent; which allocators there are is each agent's (allocate():
 * agent_system.h). Touching memory at an address is verbs_touch.c.
 */
#include "agent_common.h"
#include "agent_system.h"

/* alloc kind= size= : zeroed memory of that kind, kept until the agent ends */
static void verb_alloc(const struct mc_line *req)
{
	uint64_t size;
	void *p;

	if (need_u64(req, "size", &size))
		return;
	p = allocate(mc_line_get(req, "kind"), size);
	if (p)
		answer_ok("addr=0x%llx", (unsigned long long)(uintptr_t)p);
}

const struct verb memory_verbs[] = {
	{ "alloc", verb_alloc },
	{ NULL, NULL },
};
