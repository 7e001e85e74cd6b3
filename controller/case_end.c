#include "case_end.h"
#include "record.h"
#include "transcript.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/*
 * Records the event with the name of what ended the case (key=name: the
 * check's label or the step), prints it the cmocka way, and ends the test.
 */
static void end_test(const char *kind, const char *key, const char *name, const char *file, int line,
		     const char *fmt, va_list ap)
{
	char message[2048];
	int n = snprintf(message, sizeof(message), "%s:%d: ", file, line);

	vsnprintf(message + n, sizeof(message) - (size_t)n, fmt, ap);
	mc_record_ending(kind, key, name, message);
	mc_transcript_note("%s: %s", kind, message);
	if (strcmp(kind, "skip") == 0) {
		print_message("SKIP: %s\n", message);
		_skip(file, line);
	} else {
		print_error("%s: %s\n", kind, message);
		_fail(file, line);
	}
	abort();   /* _fail and _skip jump out of the test; never reached */
}

#define END_TEST(kind, key, name)                                  \
	do {                                                       \
		va_list ap;                                        \
		va_start(ap, fmt);                                 \
		end_test(kind, key, name, file, line, fmt, ap);    \
		va_end(ap);                                        \
	} while (0)

void mc_broken(MC_WHERE, const char *step, const char *fmt, ...)
{
	END_TEST("error", "step", step);
	abort();
}

void mc_timed_out(MC_WHERE, const char *step, const char *fmt, ...)
{
	END_TEST("timeout", "step", step);
	abort();
}

void mc_skip(MC_WHERE, const char *step, const char *fmt, ...)
{
	END_TEST("skip", "step", step);
	abort();
}

void mc_fail(MC_WHERE, const char *label, const char *fmt, ...)
{
	END_TEST("fail", "check", label);
	abort();
}
