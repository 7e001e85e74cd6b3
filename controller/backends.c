#include "backends.h"

#include <stddef.h>
#include <string.h>

static const struct mc_backend table[] = {
	/* name            naming                  removal                has_name memory    sysv key */
	{ "posix-shm",     MC_NAMING_SLASH,        MC_REMOVAL_SHM_UNLINK, true,    "shmem",  false },
	{ "file",          MC_NAMING_SCRATCH_FILE, MC_REMOVAL_UNLINK,     true,    "mapped", false },
	{ "memfd",         MC_NAMING_SLASH,        MC_REMOVAL_NONE,       false,   "shmem",  false },
	{ "sysv",          MC_NAMING_SLASH,        MC_REMOVAL_IPC_RMID,   true,    "shmem",  true },
	{ "anon-fork",     MC_NAMING_SLASH,        MC_REMOVAL_NONE,       false,   "shmem",  false },
	{ "win32-section", MC_NAMING_PLAIN,        MC_REMOVAL_NONE,       false,   "shmem",  false },
	/* the file stays behind its section's name: the controller removes it */
	{ "win32-file",    MC_NAMING_SCRATCH_FILE, MC_REMOVAL_UNLINK,     false,   "shmem",  false },
};

static const char *selected;

static const struct mc_backend *find(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

void mc_backend_select(const char *name)
{
	selected = name;
}

const struct mc_backend *mc_backend_where(MC_WHERE)
{
	const struct mc_backend *b = selected ? find(selected) : NULL;

	if (!b)
		mc_broken(file, line, "backend",
			  "unknown backend \"%s\": controller/backends.c has no row for it",
			  selected ? selected : "");
	return b;
}
