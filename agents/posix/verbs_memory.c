/*
 * Memory from the process's own allocators (alloc). Touching memory at an
 * address (write, read, probe, ...) is the same in every agent:
 * agents/common/verbs_touch.c.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * alloc kind= size= : memory from one of the process's ordinary allocators,
 * zeroed and kept until the agent ends:
 *   heap         malloc-family, small (from the heap arena)
 *   large        malloc-family, large (the C library maps it itself)
 *   anon         a private anonymous mapping
 *   shared-anon  a shared anonymous mapping (shared only with forked children)
 */
static void verb_alloc(const struct mc_line *req)
{
	const char *kind = mc_line_get(req, "kind");
	uint64_t size;
	void *p;

	if (need_u64(req, "size", &size))
		return;
	if (kind && (strcmp(kind, "heap") == 0 || strcmp(kind, "large") == 0)) {
		p = calloc(1, size);
	} else if (kind && (strcmp(kind, "anon") == 0 || strcmp(kind, "shared-anon") == 0)) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 (kind[0] == 's' ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
	} else {
		answer_err("invalid_request", "none", "detail=unknown_kind");
		return;
	}
	if (!p) {
		answer_err("no_memory", "ENOMEM", NULL);
		return;
	}
	answer_ok("addr=0x%lx", (unsigned long)(uintptr_t)p);
}

const struct verb memory_verbs[] = {
	{ "alloc", verb_alloc },
	{ NULL, NULL },
};
