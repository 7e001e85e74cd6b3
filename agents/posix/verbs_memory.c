/*
 * The POSIX allocators behind the alloc verb every agent shares
 * (agents/common/verbs_memory.c).
 */
#define _GNU_SOURCE
#include "agent.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/*
 * Memory from one of the process's ordinary allocators, zeroed:
 *   heap         malloc-family, small (from the heap arena)
 *   large        malloc-family, large (the C library maps it itself)
 *   anon         a private anonymous mapping
 *   shared-anon  a shared anonymous mapping (shared only with forked children)
 */
void *allocate(const char *kind, uint64_t size)
{
	void *p;

	if (kind && (strcmp(kind, "heap") == 0 || strcmp(kind, "large") == 0)) {
		p = calloc(1, size);
	} else if (kind && (strcmp(kind, "anon") == 0 || strcmp(kind, "shared-anon") == 0)) {
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 (kind[0] == 's' ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			p = NULL;
	} else {
		answer_err("invalid_request", "none", "detail=unknown_kind");
		return NULL;
	}
	if (!p)
		answer_no_memory();
	return p;
}
