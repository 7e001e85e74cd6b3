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
		setvbuf(out, NULL, _IOLBF, BUFSIZ);
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

void mc_record_ending(const char *kind, const char *key, const char *name, const char *message)
{
	char line[2200];
	int n = snprintf(line, sizeof(line), "%s=", key);

	/* the name is one word: the runner splits it off at the first space */
	for (const char *p = name && *name ? name : "-"; *p && n + 1 < (int)sizeof(line); p++)
		line[n++] = *p == ' ' ? '-' : *p;
	snprintf(line + n, sizeof(line) - (size_t)n, " %s", message);
	put(kind, line);
}

int mc_record_checks(void)
{
	return checks;
}
