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

/* Records the event, prints it the cmocka way, and ends the test. */
static void end_test(const char *kind, const char *file, int line, const char *fmt, va_list ap)
{
	char message[2048];
	int n = snprintf(message, sizeof(message), "%s:%d: ", file, line);

	vsnprintf(message + n, sizeof(message) - (size_t)n, fmt, ap);
	mc_record_event(kind, message);
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

#define END_TEST(kind)                                   \
	do {                                             \
		va_list ap;                              \
		va_start(ap, fmt);                       \
		end_test(kind, file, line, fmt, ap);     \
		va_end(ap);                              \
	} while (0)

void mc_broken(MC_WHERE, const char *fmt, ...)
{
	END_TEST("error");
	abort();
}

void mc_timed_out(MC_WHERE, const char *fmt, ...)
{
	END_TEST("timeout");
	abort();
}

void mc_skip(MC_WHERE, const char *fmt, ...)
{
	END_TEST("skip");
	abort();
}

void mc_fail(MC_WHERE, const char *fmt, ...)
{
	END_TEST("fail");
	abort();
}
