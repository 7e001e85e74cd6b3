/*
 * An argv as the one command line CreateProcess takes, written so that the
 * program's C runtime (and CommandLineToArgvW, by the same rules) splits it
 * back into the same argv:
 *
 *   - an argument with no space, tab, newline, vertical tab or quote, and
 *     not empty, is written as it is (its backslashes are then literal);
 *   - any other is put in quotes, a quote in it written as \", and the
 *     backslashes before a quote, or before the closing quote, doubled,
 *     since 2n backslashes before a quote are read as n, and 2n+1 as n and
 *     a literal quote;
 *   - the first (the program's name) is read by other rules: up to the next
 *     quote if it starts with one, with no escapes, else up to a space or
 *     tab. So it is quoted when it holds either and must not hold a quote
 *     (no Windows file name does).
 */
#include "executor.h"

#include <string.h>

struct out {
	char *at;
	size_t left;
	int full;
};

static void put(struct out *o, char c, size_t times)
{
	for (; times; times--) {
		if (o->left <= 1) {
			o->full = 1;
			return;
		}
		*o->at++ = c;
		o->left--;
	}
}

static void put_argument(struct out *o, const char *arg)
{
	if (*arg && !strpbrk(arg, " \t\n\v\"")) {
		for (; *arg; arg++)
			put(o, *arg, 1);
		return;
	}
	put(o, '"', 1);
	for (;;) {
		size_t backslashes = 0;

		while (*arg == '\\') {
			backslashes++;
			arg++;
		}
		if (!*arg) {            /* before the closing quote: each doubled */
			put(o, '\\', backslashes * 2);
			break;
		}
		if (*arg == '"') {      /* each doubled, and the quote escaped */
			put(o, '\\', backslashes * 2 + 1);
		} else {                /* literal where no quote follows */
			put(o, '\\', backslashes);
		}
		put(o, *arg++, 1);
	}
	put(o, '"', 1);
}

int command_line(char *const *argv, char *out, size_t size)
{
	struct out o = { out, size, 0 };

	if (!argv[0] || strchr(argv[0], '"') || size == 0)
		return -1;
	if (!*argv[0] || strpbrk(argv[0], " \t")) {
		put(&o, '"', 1);
		for (const char *p = argv[0]; *p; p++)
			put(&o, *p, 1);
		put(&o, '"', 1);
	} else {
		for (const char *p = argv[0]; *p; p++)
			put(&o, *p, 1);
	}
	for (int i = 1; argv[i]; i++) {
		put(&o, ' ', 1);
		put_argument(&o, argv[i]);
	}
	*o.at = '\0';
	return o.full ? -1 : 0;
}
