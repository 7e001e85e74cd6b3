#define _GNU_SOURCE
#include "memory_figure.h"
#include "huge_pages.h"
#include "trace.h"
#include "transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

static uint64_t read_figure(const char *file, int line, const char *figure, bool note);

/*
 * A figure is an answer the controller gives itself ("ok kb=N"), numbered
 * like the agents' answers, so that checks compare it as they compare
 * theirs and the trace can name it. Its text lives until the process ends.
 */
#define FIGURES_MAX 64

static struct mc_reply as_answer(MC_WHERE, const char *figure, uint64_t kb)
{
	static char texts[FIGURES_MAX][2][40];
	static int n;
	struct mc_reply r = { .ok = true, .seq = mc_trace_next_seq() };
	const char *why;

	if (n == FIGURES_MAX)
		mc_broken(file, line, "memory-figure", "more than %d memory figures in one case", FIGURES_MAX);
	snprintf(texts[n][0], sizeof(texts[n][0]), "ok kb=%llu", (unsigned long long)kb);
	memcpy(texts[n][1], texts[n][0], sizeof(texts[n][1]));
	r.text = texts[n][0];
	mc_line_parse(texts[n][1], &r.line, &why);   /* well-formed: made just above */
	n++;
	mc_answer_from_figure(&r, figure);
	return r;
}

struct mc_reply mc_memory_figure_where(MC_WHERE, const char *figure)
{
	struct mc_reply r = as_answer(file, line, figure, read_figure(file, line, figure, true));

	mc_trace("figure #%d %s %s", r.seq, figure, r.text + 6);
	return r;
}

/*
 * The kernel folds its per-CPU counts into memory.stat in batches (and at
 * the latest every 2 s), and gVisor's /proc/meminfo lags its allocations
 * too, so a figure read at once can trail a change just made by hundreds of
 * kB. A release case says what it expects the figure to reach; it is read
 * again until it does, or until the bound of its source has passed, and the
 * last value is the one judged.
 */
#define SETTLE_CGROUP_MS 2500    /* the kernel folds memory.stat's per-CPU counts every 2 s at the latest */
#define SETTLE_MEMINFO_MS 1200   /* and /proc/meminfo's every second (vm.stat_interval) */
#define SETTLE_POLL_MS 10

static long ms_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static uint64_t settled(MC_WHERE, const char *figure, uint64_t at_least, uint64_t at_most)
{
	struct timespec start, poll = { 0, SETTLE_POLL_MS * 1000000L };
	uint64_t kb = read_figure(file, line, figure, false);
	const char *platform_bound = getenv("MAPCONF_MEMORY_SETTLE_MS");   /* a platform that knows its figure's lag */
	long bound = platform_bound && *platform_bound ? strtol(platform_bound, NULL, 10)
			: source == SOURCE_CGROUP ? SETTLE_CGROUP_MS : SETTLE_MEMINFO_MS;
	char range[96];
	int reads = 1;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while ((kb < at_least || kb > at_most) && ms_since(&start) < bound) {
		nanosleep(&poll, NULL);    /* a bounded wait for a counter, not for another process */
		kb = read_figure(file, line, figure, false);
		reads++;
	}
	if (reads == 1) {
		mc_transcript_note("%s: %llu kB", what, (unsigned long long)kb);
		return kb;
	}
	if (at_most == UINT64_MAX)
		snprintf(range, sizeof(range), "at least %llu kB", (unsigned long long)at_least);
	else
		snprintf(range, sizeof(range), "%llu to %llu kB", (unsigned long long)at_least,
			 (unsigned long long)at_most);
	mc_transcript_note("%s: %llu kB (read %d times over %ld ms, waiting for %s)", what,
			   (unsigned long long)kb, reads, ms_since(&start), range);
	return kb;
}

static uint64_t read_figure(const char *file, int line, const char *figure, bool note)
{
	bool shmem = strcmp(figure, "shmem") == 0;
	char path[PATH_MAX + 16];
	const char *key = NULL;
	long long value;

	if (strcmp(figure, "huge_free") == 0) {   /* the machine's pool, whatever the case's memory cgroup holds */
		uint64_t page_size, free_pages = mc_huge_pages_free(&page_size);

		snprintf(what, sizeof(what), "free huge pages (HugePages_Free x Hugepagesize of /proc/meminfo)");
		if (note)
			mc_transcript_note("%s: %llu kB", what, (unsigned long long)(free_pages * page_size / 1024));
		return free_pages * page_size / 1024;
	}
	if (!shmem && strcmp(figure, "mapped") != 0)
		mc_broken(file, line, "memory-figure", "no memory figure is named \"%s\" (shmem, mapped, huge_free)",
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
	if (note)
		mc_transcript_note("%s: %lld kB", what, value);
	return (uint64_t)value;
}

static uint64_t add(uint64_t kb, int64_t delta)
{
	if (delta < 0)
		return (uint64_t)-delta > kb ? 0 : kb - (uint64_t)-delta;
	return kb + (uint64_t)delta;
}

struct mc_reply mc_memory_settled_where(MC_WHERE, const char *figure, const struct mc_reply *base, int64_t least,
					int64_t most)
{
	uint64_t kb = mc_field_u64_where(file, line, base, "kb");
	struct mc_reply r = as_answer(file, line, figure,
				      settled(file, line, figure, least == -MC_UNBOUNDED ? 0 : add(kb, least),
					      most == MC_UNBOUNDED ? UINT64_MAX : add(kb, most)));
	char lo[24], hi[24];

	snprintf(lo, sizeof(lo), "%lld", (long long)least);
	snprintf(hi, sizeof(hi), "%lld", (long long)most);
	mc_trace("figure #%d %s %s #%d %s %s", r.seq, figure, r.text + 6, base->seq,
		 least == -MC_UNBOUNDED ? "min" : lo, most == MC_UNBOUNDED ? "max" : hi);
	return r;
}
