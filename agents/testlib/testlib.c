/*
 * The test shared library for C2 (library allocation is the caller's):
 * an allocator (whose allocations start as zeros) and an ordinary global,
 * both of which must be per process in every process that loads the library.
 */
#include <stdlib.h>

/* Not zero, so a reader can tell "this process's own copy" from zeroed memory. */
int mc_testlib_counter = 7;

void *mc_testlib_alloc(size_t size)
{
	return calloc(1, size);
}

void mc_testlib_free(void *p)
{
	free(p);
}

int *mc_testlib_global(void)
{
	return &mc_testlib_counter;
}
