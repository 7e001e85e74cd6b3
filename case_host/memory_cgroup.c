/* Memory cgroups for the cases a host runs (memory_cgroup.h). */
#define _GNU_SOURCE
#include "memory_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char run_dir[4096];     /* the host's cgroup for the run; empty when there is none */
static char case_dir[4200];
static char why_none[512] = "the case host made no memory cgroup";

/* mountinfo's octal escapes (\040 for a space) undone, in place. */
static void unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/*
 * The directory of cgroup path in a mount of its hierarchy: cgroup2, or a
 * cgroup (v1) mount with the memory controller. 0 on success.
 */
static int directory_of(int version, const char *path, char *dir, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = -1;

	if (!f)
		return -1;
	while (found != 0 && fgets(line, sizeof(line), f)) {
		char root[1024], point[1024], type[64], source[256], options[1024];
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", root, point) != 2 ||
		    sscanf(dash + 3, "%63s %255s %1023s", type, source, options) != 3)
			continue;
		unescape(root);
		unescape(point);
		if (version == 2 ? strcmp(type, "cgroup2") != 0
				 : strcmp(type, "cgroup") != 0 || !strstr(options, "memory"))
			continue;
		size_t root_len = strcmp(root, "/") == 0 ? 0 : strlen(root);
		if (strncmp(path, root, root_len) != 0)
			continue;
		snprintf(dir, size, "%s%s", point, path + root_len);
		found = 0;
	}
	fclose(f);
	return found;
}

/* Where the run's cgroup goes, into base; its version, or 0 with why_none said. */
static int own_place(char *base, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096], v2_path[4096] = "";

	if (!f) {
		snprintf(why_none, sizeof(why_none), "/proc/self/cgroup cannot be read: %s", strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char *controllers = strchr(line, ':'), *path = controllers ? strchr(controllers + 1, ':') : NULL;

		if (!path)
			continue;
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (strstr(controllers + 1, "memory") && directory_of(1, path, base, size) == 0) {
			fclose(f);
			return 1;
		}
		if (strcmp(controllers + 1, "") == 0)
			snprintf(v2_path, sizeof(v2_path), "%s", path);
	}
	fclose(f);
	if (!*v2_path || directory_of(2, v2_path, base, size) != 0) {
		snprintf(why_none, sizeof(why_none), "the target mounts no memory cgroup controller for the case host");
		return 0;
	}
	/* a v2 cgroup that holds processes cannot pass controllers down: go to its parent, as the runner does */
	if (strcmp(v2_path, "/") != 0)
		*strrchr(base, '/') = '\0';
	return 2;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4200];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0 : -1;
	close(fd);
	return rc;
}

int memory_cgroup_possible(void)
{
	char base[4096];

	return own_place(base, sizeof(base)) && access(base, W_OK) == 0;
}

int memory_cgroup_open(const char *run_id)
{
	char base[4096];
	int version = own_place(base, sizeof(base));

	if (!version)
		return -1;
	snprintf(run_dir, sizeof(run_dir), "%.3900s/mapconf-%.100s-%ld", base, run_id, (long)getpid());
	if (version == 2)
		write_file(base, "cgroup.subtree_control", "+memory");
	if (mkdir(run_dir, 0755) != 0 || (version == 2 && write_file(run_dir, "cgroup.subtree_control", "+memory"))) {
		snprintf(why_none, sizeof(why_none), "no memory cgroup could be made under %.300s: %.80s%s", base,
			 strerror(errno), errno == EACCES || errno == EPERM ? " (it takes root, or a delegated cgroup)" : "");
		rmdir(run_dir);
		run_dir[0] = '\0';
		return -1;
	}
	return 0;
}

void memory_cgroup_for_case(long n)
{
	char value[4400];

	case_dir[0] = '\0';
	if (!run_dir[0]) {
		snprintf(value, sizeof(value), "none:%s", why_none);
	} else {
		snprintf(case_dir, sizeof(case_dir), "%s/case-%ld", run_dir, n);
		if (mkdir(case_dir, 0755) == 0) {
			snprintf(value, sizeof(value), "cgroup:%s", case_dir);
		} else {
			snprintf(value, sizeof(value), "none:the case's memory cgroup %s could not be made (%s)", case_dir,
				 strerror(errno));
			case_dir[0] = '\0';
		}
	}
	setenv("MAPCONF_MEMORY", value, 1);
}

void memory_cgroup_case_done(void)
{
	if (case_dir[0])
		rmdir(case_dir);    /* its processes were ended with the case's others */
	case_dir[0] = '\0';
}

void memory_cgroup_close(void)
{
	if (run_dir[0])
		rmdir(run_dir);
	run_dir[0] = '\0';
}
