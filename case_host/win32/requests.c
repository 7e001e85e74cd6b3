/*
 * A request line's parts: its fields (US between them), the hex values of
 * an env request, and the paths it names, which the runner writes with '/'
 * (a bundle is made on Linux) and Windows is given with '\'.
 */
#include "executor.h"
#include "protocol.h"

#include <string.h>

int request_split(char *line, char **fields, int max)
{
	int n = 0;

	/* as case_host.c's strtok: consecutive separators make no empty field */
	for (char *f = strtok(line, EXECUTOR_SEP); f && n < max - 1; f = strtok(NULL, EXECUTOR_SEP))
		fields[n++] = f;
	fields[n] = NULL;
	return n;
}

/* The protocol's hex, as a C string: an env value is text (the runner's own). */
int hex_decode(const char *hex, char *out, size_t size)
{
	long n = size ? mc_hex_decode(hex, out, size - 1) : -1;

	if (n < 0)
		return -1;
	out[n] = '\0';
	return 0;
}

void path_to_windows(char *path)
{
	for (char *p = path; *p; p++)
		if (*p == '/')
			*p = '\\';
}

void make_parents(const char *path)
{
	char dir[MAX_PATH * 4];

	snprintf(dir, sizeof(dir), "%s", path);
	/* from the second character: a leading '\' is the drive's root, not a directory to make */
	for (char *slash = strchr(dir + 1, '\\'); slash; slash = strchr(slash + 1, '\\')) {
		*slash = '\0';
		CreateDirectoryA(dir, NULL);      /* one that exists already is as good */
		*slash = '\\';
	}
}
