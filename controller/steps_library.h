/*
 * The test library (a shared library, or a DLL under Win32) an agent
 * loads: its allocator, its ordinary global, and (Win32) its global in a
 * section the DLL marks shared.
 */
#ifndef MAPCONF_STEPS_LIBRARY_H
#define MAPCONF_STEPS_LIBRARY_H

#include "reply.h"

#include <stdint.h>

void mc_lib_load_where(MC_WHERE, struct mc_agent *a);
/* size bytes from the library's allocator (the agent loads it first if it has not). */
uintptr_t mc_lib_alloc_where(MC_WHERE, struct mc_agent *a, uint64_t size);
/* Give an allocation back to the library's allocator, which may hand its memory out again. */
void mc_lib_free_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
/* The answer "ok value=N": the library's ordinary global in a's process. */
struct mc_reply mc_lib_global_where(MC_WHERE, struct mc_agent *a);
void mc_lib_set_where(MC_WHERE, struct mc_agent *a, unsigned int value);
/* The same for the DLL's global in its shared section. */
struct mc_reply mc_lib_shared_global_where(MC_WHERE, struct mc_agent *a);
void mc_lib_set_shared_where(MC_WHERE, struct mc_agent *a, unsigned int value);

#define mc_lib_load(a)                mc_lib_load_where(MC_HERE, a)
#define mc_lib_alloc(a, size)         mc_lib_alloc_where(MC_HERE, a, size)
#define mc_lib_free(a, addr)          mc_lib_free_where(MC_HERE, a, addr)
#define mc_lib_global(a)              mc_lib_global_where(MC_HERE, a)
#define mc_lib_set(a, value)          mc_lib_set_where(MC_HERE, a, value)
#define mc_lib_shared_global(a)       mc_lib_shared_global_where(MC_HERE, a)
#define mc_lib_set_shared(a, value)   mc_lib_set_shared_where(MC_HERE, a, value)

#endif
