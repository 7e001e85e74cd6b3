#define _GNU_SOURCE
#include "trace.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The trace is the controller's own: no agent it starts inherits it ("e" in glibc, "N" in Microsoft's C library). */
#ifdef _WIN32
#define FOPEN_WRITE_NO_INHERIT "wN"
#else
#define FOPEN_WRITE_NO_INHERIT "we"
#endif

static FILE *out;
static int answers;

void mc_trace_open(const char *id, const char *backend)
{
	const char *dir = getenv("MAPCONF_TRACE_DIR");
	char path[PATH_MAX];

	if (!dir || !*dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.%s.trace", dir, id, backend);
	out = fopen(path, FOPEN_WRITE_NO_INHERIT);
	if (!out) {
		fprintf(stderr, "mapconf: cannot write the trace %s\n", path);
		exit(2);
	}
	setvbuf(out, NULL, _IOLBF, BUFSIZ);
}

void mc_trace(const char *fmt, ...)
{
	va_list ap;

	if (!out)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	/* each line out as it is written, where there is no line buffering (Windows) */
	fflush(out);
}

int mc_trace_next_seq(void)
{
	return ++answers;
}
