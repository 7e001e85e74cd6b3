#define _GNU_SOURCE
#include "memory_figure.h"
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum source { SOURCE_UNREAD, SOURCE_CGROUP, SOURCE_MEMINFO, SOURCE_NONE };

static enum source source = SOURCE_UNREAD;
static char cgroup[PATH_MAX];   /* the case's memory cgroup, for SOURCE_CGROUP */
static char why[PATH_MAX + 200];  /* why there is no figure, for SOURCE_NONE */
static char what[128];
static bool joined, announced;

static void read_source(void)
{
	const char *value = getenv("MAPCONF_MEMORY");

	if (source != SOURCE_UNREAD)
		return;
	source = SOURCE_NONE;
	if (!value || !*value) {
		snprintf(why, sizeof(why), "MAPCONF_MEMORY is not set (the runner gives each case a memory cgroup)");
	} else if (strncmp(value, "cgroup:", 7) == 0 && value[7] && strlen(value + 7) < sizeof(cgroup)) {
		snprintf(cgroup, sizeof(cgroup), "%s", value + 7);
		source = SOURCE_CGROUP;
	} else if (strcmp(value, "meminfo") == 0) {
		source = SOURCE_MEMINFO;
	} else if (strncmp(value, "none:", 5) == 0) {
		snprintf(why, sizeof(why), "%s", value + 5);
	} else {
		snprintf(why, sizeof(why), "MAPCONF_MEMORY has a value no figure is named by: \"%.100s\"", value);
	}
}

void mc_memory_join(void)
{
	char path[PATH_MAX + 16], pid[32];
	int fd, len, error = 0;

	read_source();
	if (source != SOURCE_CGROUP || joined)
		return;
	joined = true;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, (size_t)len) != len)
		error = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	if (error) {
		/* a sandbox has a /sys of its own, without the host's cgroups */
		source = SOURCE_NONE;
		snprintf(why, sizeof(why), "the case's memory cgroup %s cannot be joined from here (%s)", cgroup,
			 strerror(error));
	}
}

/*
 * The number on the first line of path whose key (what comes before ':' or
 * ' ') is one of keys, or -1; *found is that key.
 */
static long long keyed_value(const char *path, const char *const keys[], const char **found)
{
	char line[256];
	long long value = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (value < 0 && fgets(line, sizeof(line), f)) {
		size_t klen = strcspn(line, ": ");

		for (int i = 0; keys[i] && value < 0; i++) {
			if (strlen(keys[i]) == klen && strncmp(line, keys[i], klen) == 0) {
				value = strtoll(line + klen + strspn(line + klen, ": "), NULL, 10);
				*found = keys[i];
			}
		}
	}
	fclose(f);
	return value;
}

static const char *const CGROUP_SHMEM[] = { "shmem", NULL };
static const char *const CGROUP_MAPPED[] = { "mapped_file", "file_mapped", NULL };   /* v1, v2 */
static const char *const MEMINFO_SHMEM[] = { "Shmem", NULL };
static const char *const MEMINFO_MAPPED[] = { "Mapped", NULL };

uint64_t mc_memory_kb_at(MC_WHERE, const char *figure)
{
	bool shmem = strcmp(figure, "shmem") == 0;
	char path[PATH_MAX + 16];
	const char *key = NULL;
	long long value;

	if (!shmem && strcmp(figure, "mapped") != 0)
		mc_broken(file, line, "memory-figure", "no memory figure is named \"%s\" (shmem, mapped)",
			  figure);
	mc_memory_join();
	if (source == SOURCE_NONE)
		mc_broken(file, line, "memory-figure",
			  "no exact memory figure here, so release cannot be measured: %s", why);
	if (source == SOURCE_CGROUP) {
		snprintf(path, sizeof(path), "%s/memory.stat", cgroup);
		value = keyed_value(path, shmem ? CGROUP_SHMEM : CGROUP_MAPPED, &key);
		if (value < 0)
			mc_broken(file, line, "memory-figure",
				  "%s has no %s line, so release cannot be measured", path,
				  shmem ? "shmem" : "mapped_file or file_mapped");
		value /= 1024;   /* bytes */
		snprintf(what, sizeof(what), "%s of the case's memory cgroup", key);
	} else {
		snprintf(path, sizeof(path), "/proc/meminfo");
		value = keyed_value(path, shmem ? MEMINFO_SHMEM : MEMINFO_MAPPED, &key);
		if (value < 0)
			mc_broken(file, line, "memory-figure",
				  "/proc/meminfo has no %s line, so release cannot be measured",
				  shmem ? "Shmem" : "Mapped");
		snprintf(what, sizeof(what), "%s of the case's own machine (/proc/meminfo)", key);
	}
	if (!announced) {
		announced = true;
		mc_transcript_note("memory is measured by the controller in %s (%s)", path,
				   source == SOURCE_CGROUP ? "the case's own memory cgroup"
							   : "a machine the case has to itself");
	}
	mc_transcript_note("%s: %lld kB", what, value);
	return (uint64_t)value;
}

const char *mc_memory_what(void)
{
	return what;
}
