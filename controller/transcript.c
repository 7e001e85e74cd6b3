#define _GNU_SOURCE
#include "transcript.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static FILE *out;
static struct timespec started;

void mc_transcript_open(const char *path)
{
	clock_gettime(CLOCK_MONOTONIC, &started);
	out = path ? fopen(path, "a") : NULL;
	if (!out)
		out = stderr;
	/* a size: Windows' C library refuses 0, and takes _IOLBF as full buffering (hence the flushes below) */
	setvbuf(out, NULL, _IOLBF, BUFSIZ);
}

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - started.tv_sec) + (now.tv_nsec - started.tv_nsec) / 1e9;
}

void mc_transcript(const char *who, const char *arrow, const char *text)
{
	if (!out)
		mc_transcript_open(NULL);
	/* the answer may carry its own newline; the transcript adds exactly one */
	fprintf(out, "+%.3f %s %s %.*s\n", elapsed(), who, arrow,
		(int)strcspn(text, "\n"), text);
	/* each line out as it is written, where there is no line buffering: a killed case keeps its transcript */
	fflush(out);
}

void mc_transcript_note(const char *fmt, ...)
{
	va_list ap;

	if (!out)
		mc_transcript_open(NULL);
	fprintf(out, "+%.3f -- ", elapsed());
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}
