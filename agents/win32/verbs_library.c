/*
 * The test DLL (C2) on Win32: finding and loading it, and its functions,
 * for the lib verb every agent shares (agents/common/verbs_library.c). It
 * has two globals: the ordinary one, which must be per process, and the one
 * in a section the DLL marks shared, which Microsoft documents as shared by
 * every process that loads the DLL. The DLL is the one MAPCONF_TESTLIB names
 * (a reproducer keeps it beside itself), else ..\lib\mapconf-testlib.dll
 * from the agent's own directory.
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

int library_load(void)
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

void *library_alloc(uint64_t size)
{
	return fault_is("memory-global") ? fault_global_alloc((size_t)size) : lib_alloc((size_t)size);
}

void library_free(void *p)
{
	/* fault memory-global: the allocation is the global memory's, not the DLL's heap's */
	if (!fault_is("memory-global"))
		lib_free(p);
}

/* var=shared: the global in the DLL's shared section */
int *library_global(const char *var)
{
	if (var && strcmp(var, "shared") == 0 && !fault_is("dll-shared-is-private"))
		return lib_shared();
	return fault_is("memory-global") ? global_memory_int() : lib_global();
}
