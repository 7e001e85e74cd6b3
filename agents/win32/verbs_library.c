/*
 * The test DLL (C2): load it, allocate through it, and read or set its
 * globals: the ordinary one, which must be per process, and the one in a
 * section the DLL marks shared, which Microsoft documents as shared by every
 * process that loads the DLL. The DLL is the one MAPCONF_TESTLIB names (a
 * reproducer keeps it beside itself), else ..\lib\mapconf-testlib.dll from
 * the agent's own directory.
 */
#include "agent.h"
#include "faults.h"

#include <string.h>

static HMODULE library;
static void *(*lib_alloc)(size_t);
static void (*lib_free)(void *);
static int *(*lib_global)(void);
static int *(*lib_shared)(void);

/* fault memory-global: the DLL's ordinary global is the global memory's first int */
static int *global_memory_int(void)
{
	return fault_global_page();
}

static FARPROC symbol(const char *name)
{
	return GetProcAddress(library, name);
}

static int load(void)
{
	wchar_t path[MAX_PATH + 64];
	DWORD n;
	wchar_t *slash;

	if (library)
		return 0;
	/* where the environment says (a reproducer keeps it beside itself), else beside the agent's own lib */
	n = GetEnvironmentVariableW(L"MAPCONF_TESTLIB", path, MAX_PATH);
	if (n == 0 || n >= MAX_PATH) {
		n = GetModuleFileNameW(NULL, path, MAX_PATH);
		slash = n ? wcsrchr(path, L'\\') : NULL;
		if (!slash) {
			answer_win32(GetLastError());
			return -1;
		}
		wcscpy(slash, L"\\..\\lib\\mapconf-testlib.dll");
	}
	library = LoadLibraryW(path);
	if (!library) {
		/* the test DLL is the harness's own: a load that fails is a broken build */
		answer_err("other", "none", "detail=cannot_load_test_dll error=%lu",
			   (unsigned long)GetLastError());
		return -1;
	}
	lib_alloc = (void *(*)(size_t))(void (*)(void))symbol("mc_testlib_alloc");
	lib_free = (void (*)(void *))(void (*)(void))symbol("mc_testlib_free");
	lib_global = (int *(*)(void))(void (*)(void))symbol("mc_testlib_global");
	lib_shared = (int *(*)(void))(void (*)(void))symbol("mc_testlib_shared_global");
	if (!lib_alloc || !lib_free || !lib_global || !lib_shared) {
		answer_err("other", "none", "detail=test_dll_lacks_its_functions");
		return -1;
	}
	return 0;
}

/*
 * lib op=load | op=alloc size= | op=free addr= | op=global [var=shared] | op=set [var=shared] value=
 * op=global answers the global's address and value in this process.
 */
static void verb_lib(const struct mc_line *req)
{
	const char *op = mc_line_get(req, "op"), *var = mc_line_get(req, "var");
	int *(*global)(void);
	uint64_t n;

	if (!op) {
		answer_err("invalid_request", "none", "missing=op");
		return;
	}
	if (load())
		return;
	global = var && strcmp(var, "shared") == 0 && !fault_is("dll-shared-is-private") ? lib_shared : lib_global;
	if (global == lib_global && fault_is("memory-global"))
		global = global_memory_int;
	if (strcmp(op, "load") == 0) {
		answer_ok(NULL);
	} else if (strcmp(op, "alloc") == 0) {
		void *p;

		if (need_u64(req, "size", &n))
			return;
		p = fault_is("memory-global") ? fault_global_alloc((size_t)n) : lib_alloc((size_t)n);
		if (p)
			answer_ok("addr=0x%llx", (unsigned long long)(uintptr_t)p);
		else
			answer_err("no_memory", "8", "name=ERROR_NOT_ENOUGH_MEMORY");
	} else if (strcmp(op, "free") == 0) {
		uintptr_t p;

		if (need_addr(req, "addr", &p))
			return;
		/* fault memory-global: the allocation is the global memory's, not the DLL's heap's */
		if (!fault_is("memory-global"))
			lib_free((void *)p);
		answer_ok(NULL);
	} else if (strcmp(op, "global") == 0) {
		answer_ok("addr=0x%llx value=%d", (unsigned long long)(uintptr_t)global(), *global());
	} else if (strcmp(op, "set") == 0) {
		if (need_u64(req, "value", &n))
			return;
		*global() = (int)n;
		answer_ok(NULL);
	} else {
		answer_err("invalid_request", "none", "missing_or_bad=op");
	}
}

const struct verb library_verbs[] = {
	{ "lib", verb_lib },
	{ NULL, NULL },
};
