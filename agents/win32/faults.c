/* The fault switch of the fault build (faults.h): MAPCONF_FAULT, read once; and the global memory. */
#include "faults.h"

#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* high, where nothing of Wine's or the agent's own is placed */
#define GLOBAL_MEMORY_AT ((void *)0x6f0000000000ULL)
#define GLOBAL_MEMORY_SIZE (64u << 20)
#define PAGE 4096u

static unsigned char *global_memory;
static size_t global_used = PAGE;

bool fault_is(const char *name)
{
	static const char *fault;

	if (!fault) {
		fault = getenv("MAPCONF_FAULT");
		if (!fault)
			fault = "";
	}
	return strcmp(fault, name) == 0;
}

void fault_start(void)
{
	const char *controller = getenv("MAPCONF_CONTROLLER_PID");
	char name[64];
	HANDLE section;

	if (!fault_is("memory-global"))
		return;
	/* one per case (its controller), so that cases running side by side do not meet */
	snprintf(name, sizeof(name), "mapconf-fault-memory-global-%s", controller ? controller : "none");
	section = CreateFileMappingA(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, GLOBAL_MEMORY_SIZE, name);
	if (section)
		global_memory = MapViewOfFileEx(section, FILE_MAP_WRITE, 0, 0, 0, GLOBAL_MEMORY_AT);
}

void *fault_global_page(void)
{
	return global_memory;
}

void *fault_global_alloc(size_t size)
{
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (!global_memory || size > GLOBAL_MEMORY_SIZE - global_used)
		return NULL;
	p = global_memory + global_used;
	global_used += size;
	return p;
}
