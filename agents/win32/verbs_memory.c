/*
 * The Win32 allocators behind the alloc verb every agent shares
 * (agents/common/verbs_memory.c), the C runtime's among them.
 */
#include "agent.h"
#include "faults.h"

#include <stdlib.h>
#include <string.h>

/* An unnamed section, mapped: shared memory only a handle passed on can reach. */
static void *unnamed_section_view(uint64_t size)
{
	HANDLE section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
					    (DWORD)(size >> 32), (DWORD)size, NULL);
	void *p;

	if (!section)
		return NULL;
	p = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, (SIZE_T)size);
	CloseHandle(section);   /* the view keeps the section */
	return p;
}

/*
 * Zeroed memory from one of the process's own allocators:
 *   heap         malloc, small (the C runtime's heap)
 *   large        malloc, 1 MiB and more
 *   anon         VirtualAlloc (MEM_RESERVE | MEM_COMMIT), the Win32 private mapping
 *   shared-anon  a view of an unnamed section (what MAP_SHARED|MAP_ANONYMOUS is on POSIX)
 *   heapalloc    HeapAlloc on the process heap
 *   globalalloc  GlobalAlloc (GMEM_FIXED)
 *   localalloc   LocalAlloc (LMEM_FIXED)
 */
void *allocate(const char *kind, uint64_t size)
{
	void *p;

	SetLastError(ERROR_NOT_ENOUGH_MEMORY);   /* malloc need not set one */
	if (!kind) {
		answer_err("invalid_request", "none", "missing=kind");
		return NULL;
	} else if (strcmp(kind, "heap") == 0 || strcmp(kind, "large") == 0) {
		p = calloc(1, (size_t)size);
	} else if (strcmp(kind, "anon") == 0) {
		p = VirtualAlloc(NULL, (SIZE_T)size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	} else if (strcmp(kind, "shared-anon") == 0) {
		p = unnamed_section_view(size);
	} else if (strcmp(kind, "heapalloc") == 0) {
		p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, (SIZE_T)size);
	} else if (strcmp(kind, "globalalloc") == 0) {
		p = (void *)GlobalAlloc(GMEM_FIXED | GMEM_ZEROINIT, (SIZE_T)size);
	} else if (strcmp(kind, "localalloc") == 0) {
		p = (void *)LocalAlloc(LMEM_FIXED | LMEM_ZEROINIT, (SIZE_T)size);
	} else {
		answer_err("invalid_request", "none", "detail=unknown_kind");
		return NULL;
	}
	if (fault_is("memory-global"))
		p = fault_global_alloc((size_t)size);
	if (!p)
		answer_win32(GetLastError());
	return p;
}
