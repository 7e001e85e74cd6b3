/*
 * The test shared library (C2): load it, allocate through it, and read or
 * set its global. The library is found through MAPCONF_TESTLIB, or beside
 * the agent (../lib/libmapconf-testlib.so).
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

static int load(void)
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

/*
 * lib op=load | op=alloc size= | op=free addr= | op=global | op=set value=
 * op=global answers the global's address and value in this process.
 */
static void verb_lib(const struct mc_line *req)
{
	const char *op = mc_line_get(req, "op");
	uint64_t n;

	if (!op) {
		answer_err("invalid_request", "none", "missing=op");
		return;
	}
	if (load())
		return;
	if (strcmp(op, "load") == 0) {
		answer_ok(NULL);
	} else if (strcmp(op, "alloc") == 0) {
		void *p;

		if (need_u64(req, "size", &n))
			return;
		p = lib_alloc(n);
		if (p)
			answer_ok("addr=0x%lx", (unsigned long)(uintptr_t)p);
		else
			answer_err("no_memory", "ENOMEM", NULL);
	} else if (strcmp(op, "free") == 0) {
		uintptr_t p;

		if (need_addr(req, "addr", &p))
			return;
		lib_free((void *)p);
		answer_ok(NULL);
	} else if (strcmp(op, "global") == 0) {
		answer_ok("addr=0x%lx value=%d", (unsigned long)(uintptr_t)lib_global(), *lib_global());
	} else if (strcmp(op, "set") == 0) {
		if (need_u64(req, "value", &n))
			return;
		*lib_global() = (int)n;
		answer_ok(NULL);
	} else {
		answer_err("invalid_request", "none", "missing_or_bad=op");
	}
}

const struct verb library_verbs[] = {
	{ "lib", verb_lib },
	{ NULL, NULL },
};
