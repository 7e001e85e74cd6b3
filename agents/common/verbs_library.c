/*
 * The test shared library (C2), the same in every agent: load it, allocate
 * through it, and read or set its globals. Finding and loading it is each
 * agent's (agent_system.h).
 */
#include "agent_common.h"
#include "agent_system.h"

#include <string.h>

/*
 * lib op=load | op=alloc size= | op=free addr= | op=global [var=shared] | op=set [var=shared] value=
 * op=global answers the global's address and value in this process.
 */
static void verb_lib(const struct mc_line *req)
{
	const char *op = mc_line_get(req, "op"), *var = mc_line_get(req, "var");
	uint64_t n;

	if (!op) {
		answer_err("invalid_request", "none", "missing=op");
		return;
	}
	if (library_load())
		return;
	if (strcmp(op, "load") == 0) {
		answer_ok(NULL);
	} else if (strcmp(op, "alloc") == 0) {
		void *p;

		if (need_u64(req, "size", &n))
			return;
		p = library_alloc(n);
		if (p)
			answer_ok("addr=0x%llx", (unsigned long long)(uintptr_t)p);
		else
			answer_no_memory();
	} else if (strcmp(op, "free") == 0) {
		uintptr_t p;

		if (need_addr(req, "addr", &p))
			return;
		library_free((void *)p);
		answer_ok(NULL);
	} else if (strcmp(op, "global") == 0) {
		answer_ok("addr=0x%llx value=%d", (unsigned long long)(uintptr_t)library_global(var),
			  *library_global(var));
	} else if (strcmp(op, "set") == 0) {
		if (need_u64(req, "value", &n))
			return;
		*library_global(var) = (int)n;
		answer_ok(NULL);
	} else {
		answer_err("invalid_request", "none", "missing_or_bad=op");
	}
}

const struct verb library_verbs[] = {
	{ "lib", verb_lib },
	{ NULL, NULL },
};
