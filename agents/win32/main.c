/*
 * mapconf-agent.exe: reads requests, answers each one with one line.
 *
 * Started by the controller, it talks over its standard handles. Started by
 * another agent's "spawn", it is given --connect HOST:PORT (the controller's
 * loopback port) and --inherit hN=VALUE,... (the section handles it
 * inherited, and the names its parent's table gives them).
 *
 * It announces itself ("ready pid=... arch=... granularity=... largepage=...",
 * the last GetLargePageMinimum()), then serves requests
 * (agents/common/serve.c) until "exit", end of input, or a crash it was
 * asked for.
 */
#include "agent.h"
#include "arch.h"
#include "faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HANDLES_MAX 64
#define VIEWS_MAX 256

static struct object handles[HANDLES_MAX];   /* slot 0 unused: handles are h1.. */
static bool used[HANDLES_MAX];

int handle_put_at(int index, HANDLE section)
{
	if (index <= 0 || index >= HANDLES_MAX || used[index])
		return -1;
	used[index] = true;
	handles[index].section = section;
	handles[index].file = INVALID_HANDLE_VALUE;
	return index;
}

int handle_add(HANDLE section, HANDLE file)
{
	for (int i = 1; i < HANDLES_MAX; i++) {
		if (!used[i]) {
			handle_put_at(i, section);
			handles[i].file = file;
			return i;
		}
	}
	return -1;
}

struct object *handle_get(const char *text)
{
	uint64_t i;

	if (!text || text[0] != 'h' || mc_parse_u64(text + 1, &i) || i == 0 || i >= HANDLES_MAX ||
	    !used[i])
		return NULL;
	return &handles[i];
}

void handle_remove(const char *text)
{
	struct object *o = handle_get(text);

	if (o)
		used[o - handles] = false;
}

static struct view views[VIEWS_MAX];

void view_add(uintptr_t addr, const struct object *object, uint64_t offset, bool private)
{
	for (int i = 0; i < VIEWS_MAX; i++) {
		if (!views[i].addr) {
			views[i] = (struct view){ .addr = addr, .section = object->section, .file = object->file,
						  .offset = offset, .private = private };
			return;
		}
	}
}

const struct view *view_holding(uintptr_t addr)
{
	MEMORY_BASIC_INFORMATION info;

	if (!VirtualQuery((void *)addr, &info, sizeof(info)))
		return NULL;
	for (int i = 0; i < VIEWS_MAX; i++)
		if (views[i].addr && views[i].addr == (uintptr_t)info.AllocationBase)
			return &views[i];
	return NULL;
}

HANDLE view_file(uintptr_t addr)
{
	for (int i = 0; i < VIEWS_MAX; i++)
		if (views[i].addr == addr)
			return views[i].file;
	return INVALID_HANDLE_VALUE;
}

void view_remove(uintptr_t addr)
{
	for (int i = 0; i < VIEWS_MAX; i++)
		if (views[i].addr == addr)
			views[i].addr = 0;
}

void views_unmap_of(HANDLE section)
{
	for (int i = 0; i < VIEWS_MAX; i++) {
		if (views[i].addr && views[i].section == section) {
			UnmapViewOfFile((void *)views[i].addr);
			views[i].addr = 0;
		}
	}
}

const wchar_t *wide(const char *text)
{
	static wchar_t buffers[4][1024];
	static int next;
	wchar_t *w = buffers[next++ % 4];

	if (!MultiByteToWideChar(CP_UTF8, 0, text, -1, w, 1024))
		w[0] = L'\0';
	return w;
}

/*
 * Under Wine, a Unix path the Linux controller gives is reached through the
 * drive that maps the Unix root (Z:); Wine exports the conversion. On
 * Windows there is no such function, and a name is used as it is.
 */
const wchar_t *native_path(const char *name)
{
	typedef WCHAR *(CDECL *to_dos_fn)(const char *);
	static wchar_t converted[4][1024];
	static int next;
	FARPROC proc = GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "wine_get_dos_file_name");
	to_dos_fn to_dos;
	WCHAR *dos;

	if (name[0] != '/' || !proc)
		return wide(name);
	to_dos = (to_dos_fn)(void (*)(void))proc;
	dos = to_dos(name);
	if (!dos)
		return wide(name);
	wchar_t *w = converted[next++ % 4];
	lstrcpynW(w, dos, 1024);
	HeapFree(GetProcessHeap(), 0, dos);
	return w;
}

/* the first table that has a verb serves it */
const struct verb *const agent_verbs[] = {
	object_verbs, view_verbs, range_verbs, touch_verbs, memory_verbs, process_verbs, own_process_verbs,
	sync_verbs, own_sync_verbs, library_verbs, spawn_verbs, NULL,
};

/* --inherit h1=0x34,h2=0x38 : put each inherited handle in its parent's slot */
static int adopt_inherited(char *list)
{
	for (char *item = strtok(list, ","); item; item = strtok(NULL, ",")) {
		char *eq = strchr(item, '=');
		uint64_t slot, value;

		if (!eq || item[0] != 'h')
			return -1;
		*eq = '\0';
		if (mc_parse_u64(item + 1, &slot) || mc_parse_u64(eq + 1, &value) ||
		    handle_put_at((int)slot, (HANDLE)(uintptr_t)value) < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *connect_to = NULL, *parent = NULL;
	static char ready[MC_LINE_MAX];
	SYSTEM_INFO si;

	guard_install();
	fault_start();
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--connect") == 0)
			connect_to = argv[i + 1];
		else if (strcmp(argv[i], "--parent") == 0)
			parent = argv[i + 1];
		else if (strcmp(argv[i], "--inherit") == 0 && adopt_inherited(argv[i + 1]))
			return 2;
	}
	if (connect_to ? channel_connect(connect_to) : channel_use_std_handles())
		return 124;
	GetSystemInfo(&si);
	snprintf(ready, sizeof(ready),
		 "ready pid=%lu arch=" MAPCONF_ARCH " ptr=%u page=%lu granularity=%lu largepage=%llu api=win32%s%s",
		 (unsigned long)GetCurrentProcessId(), (unsigned int)sizeof(void *),
		 (unsigned long)si.dwPageSize, (unsigned long)si.dwAllocationGranularity,
		 (unsigned long long)GetLargePageMinimum(), parent ? " parent=" : "", parent ? parent : "");
	answer_raw(ready);
	return serve_requests();
}
