/*
 * Faults: the selftest's way to see each Win32 result fail. The fault build
 * of the agent (mapconf-agent-faults.exe, compiled with -DMAPCONF_FAULTS from
 * these same sources) breaks the one behaviour MAPCONF_FAULT names, at the
 * one place that behaviour is made; each fault is an `if (fault_is("..."))`
 * there. In the product agent fault_is() is the constant false, so the
 * compiler removes every such branch and the agent is the one it would be
 * without them.
 */
#ifndef MAPCONF_AGENT_WIN32_FAULTS_H
#define MAPCONF_AGENT_WIN32_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Fault memory-global: one section that every agent maps at one address
 * when it starts. Its first page holds the test DLL's ordinary global; each
 * agent allocates from the rest, starting at the same offset, so what one
 * agent allocates another reaches at the same address.
 */
#ifdef MAPCONF_FAULTS
/* Whether MAPCONF_FAULT, read from the environment at the first call, is name. */
bool fault_is(const char *name);
/* What a fault needs before the agent's first answer (the global memory's view). */
void fault_start(void);
/* The global memory's first page (the DLL's global), and an allocation from the rest; NULL if none. */
void *fault_global_page(void);
void *fault_global_alloc(size_t size);
/*
 * Faults file-views-copied-flush-*: a writable view of a file this agent
 * opened is a copy (FILE_MAP_COPY), written back to the file with WriteFile
 * by a flush, as a layer without coherent file views would; each fault
 * gets the range it writes back wrong in its own way.
 */
bool fault_copies_file_views(void);
void fault_remember_copy(void *view, uint64_t offset, void *file);
void fault_write_back_copy(uintptr_t addr, uint64_t length);
void fault_forget_copy(uintptr_t addr);
#else
static inline bool fault_is(const char *name)
{
	(void)name;
	return false;
}

static inline void fault_start(void)
{
}

static inline void *fault_global_page(void)
{
	return NULL;
}

static inline void *fault_global_alloc(size_t size)
{
	(void)size;
	return NULL;
}

static inline bool fault_copies_file_views(void)
{
	return false;
}

static inline void fault_remember_copy(void *view, uint64_t offset, void *file)
{
	(void)view;
	(void)offset;
	(void)file;
}

static inline void fault_write_back_copy(uintptr_t addr, uint64_t length)
{
	(void)addr;
	(void)length;
}

static inline void fault_forget_copy(uintptr_t addr)
{
	(void)addr;
}
#endif

#endif
