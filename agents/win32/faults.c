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

static struct { uintptr_t addr; SIZE_T length; uint64_t offset; HANDLE file; } copies[8];

bool fault_copies_file_views(void)
{
	return fault_is("file-views-copied-flush-from-view-start") || fault_is("file-views-copied-flush-short-of-end") ||
	       fault_is("file-views-copied-flush-first-page");
}

void fault_remember_copy(void *view, uint64_t offset, void *file)
{
	MEMORY_BASIC_INFORMATION info;

	for (int i = 0; i < 8; i++) {
		if (!copies[i].addr && VirtualQuery(view, &info, sizeof(info))) {
			copies[i].addr = (uintptr_t)view;
			copies[i].length = info.RegionSize;   /* a fresh view is one region */
			copies[i].offset = offset;
			copies[i].file = file;
			return;
		}
	}
}

/* What a flush of [addr, addr + length) writes back of the copy that holds addr, each fault's way. */
void fault_write_back_copy(uintptr_t addr, uint64_t length)
{
	for (int i = 0; i < 8; i++) {
		uintptr_t start = copies[i].addr, end = start + copies[i].length;
		OVERLAPPED at = { 0 };
		DWORD written;

		if (!start || addr < start || addr >= end)
			continue;
		if (fault_is("file-views-copied-flush-from-view-start"))
			addr = start;
		if (fault_is("file-views-copied-flush-short-of-end") && addr + length >= end)
			length = end - PAGE > addr ? end - PAGE - addr : 0;
		if (fault_is("file-views-copied-flush-first-page") && length > PAGE)
			length = PAGE;
		if (length > end - addr)
			length = end - addr;
		at.Offset = (DWORD)(copies[i].offset + (addr - start));
		at.OffsetHigh = (DWORD)((copies[i].offset + (addr - start)) >> 32);
		WriteFile(copies[i].file, (void *)addr, (DWORD)length, &written, &at);
		return;
	}
}

void fault_forget_copy(uintptr_t addr)
{
	for (int i = 0; i < 8; i++)
		if (copies[i].addr == addr)
			copies[i].addr = 0;
}
