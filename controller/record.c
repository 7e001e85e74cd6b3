#include "record.h"

#include <stdio.h>
#include <string.h>

static FILE *out;
static int checks;

void mc_record_open(const char *path)
{
	if (!path)
		return;
	out = fopen(path, "a");
	if (out)
		setvbuf(out, NULL, _IOLBF, 0);
}

static void put(const char *kind, const char *text)
{
	if (!out)
		return;
	fputs(kind, out);
	if (text) {
		fputc(' ', out);
		/* one event per line: a newline in a message would split it */
		for (const char *p = text; *p; p++)
			fputc(*p == '\n' || *p == '\r' ? ' ' : *p, out);
	}
	fputc('\n', out);
	fflush(out);
}

void mc_record_begin(const char *id, const char *binary, const char *function,
		     const char *backend)
{
	char line[512];

	checks = 0;
	snprintf(line, sizeof(line), "id=%s case=%s:%s backend=%s", id, binary, function, backend);
	put("begin", line);
}

void mc_record_check(void)
{
	checks++;
	put("check", NULL);
}

void mc_record_end(void)
{
	char line[32];

	snprintf(line, sizeof(line), "checks=%d", checks);
	put("end", line);
}

void mc_record_event(const char *kind, const char *message)
{
	put(kind, message);
}

int mc_record_checks(void)
{
	return checks;
}
