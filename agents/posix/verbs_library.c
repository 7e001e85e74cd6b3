/*
 * The test shared library (C2) on POSIX: finding and loading it, and its
 * functions, for the lib verb every agent shares
 * (agents/common/verbs_library.c). The library is found through
 * MAPCONF_TESTLIB, or beside the agent (../lib/libmapconf-testlib.so).
 */
#define _GNU_SOURCE
#include "agent.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *library;
static void *(*lib_alloc)(size_t);
static void (*lib_free)(void *);
static int *(*lib_global)(void);

static void library_path(char *out, size_t cap)
{
	const char *env = getenv("MAPCONF_TESTLIB");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (strrchr(self, '/'))
		*strrchr(self, '/') = '\0';
	snprintf(out, cap, "%.3000s/../lib/libmapconf-testlib.so", self);
}

int library_load(void)
{
	char path[PATH_MAX];

	if (library)
		return 0;
	library_path(path, sizeof(path));
	library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!library) {
		/* the test library is the harness's own: a load that fails is a broken build */
		answer_err("other", "none", "detail=cannot_load_test_library");
		return -1;
	}
	lib_alloc = (void *(*)(size_t))dlsym(library, "mc_testlib_alloc");
	lib_free = (void (*)(void *))dlsym(library, "mc_testlib_free");
	lib_global = (int *(*)(void))dlsym(library, "mc_testlib_global");
	if (!lib_alloc || !lib_free || !lib_global) {
		answer_err("other", "none", "detail=test_library_lacks_its_functions");
		return -1;
	}
	return 0;
}

void *library_alloc(uint64_t size)
{
	return lib_alloc(size);
}

void library_free(void *p)
{
	lib_free(p);
}

/* one global: the library has no shared one */
int *library_global(const char *var)
{
	(void)var;
	return lib_global();
}
