/*
 * Unit tests of the command line the executor writes for a case
 * (case_host/win32/command_line.c), run under Wine: the exact text for the
 * cases its quoting rules name, and each split back by CommandLineToArgvW
 * into the argv it came from. (How a program's C runtime splits it is
 * tested in test_executor.c, by a case that prints its arguments.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <windows.h>
#include <shellapi.h>
#include <cmocka.h>

#include "executor.h"

/* The executor's command line for argv, checked against expected, then split back by Windows. */
static void round_trip(char *const *argv, const char *expected)
{
	char line[1024];
	wchar_t wide[1024];
	int argc = 0, n = 0;

	assert_int_equal(command_line(argv, line, sizeof(line)), 0);
	assert_string_equal(line, expected);
	assert_true(MultiByteToWideChar(CP_UTF8, 0, line, -1, wide, 1024) > 0);
	wchar_t **split = CommandLineToArgvW(wide, &argc);

	assert_non_null(split);
	while (argv[n])
		n++;
	assert_int_equal(argc, n);
	for (int i = 0; i < n; i++) {
		char back[1024];

		assert_true(WideCharToMultiByte(CP_UTF8, 0, split[i], -1, back, sizeof(back), NULL, NULL) > 0);
		assert_string_equal(back, argv[i]);
	}
	LocalFree(split);
}

static void plain_arguments_are_written_as_they_are(void **state)
{
	(void)state;
	round_trip((char *[]){ "build\\case.exe", "--case", "one", NULL }, "build\\case.exe --case one");
	/* a backslash not before a quote is literal, unquoted or quoted */
	round_trip((char *[]){ "p.exe", "\\\\server\\share\\", "a\\b", NULL }, "p.exe \\\\server\\share\\ a\\b");
}

static void spaces_tabs_and_empty_arguments_are_quoted(void **state)
{
	(void)state;
	round_trip((char *[]){ "p.exe", "a b", "", "t\tab", NULL }, "p.exe \"a b\" \"\" \"t\tab\"");
	round_trip((char *[]){ "p.exe", "new\nline", "v\vt", NULL }, "p.exe \"new\nline\" \"v\vt\"");
}

static void quotes_are_escaped_with_the_backslashes_before_them_doubled(void **state)
{
	(void)state;
	round_trip((char *[]){ "p.exe", "a\"b", NULL }, "p.exe \"a\\\"b\"");
	/* a\\"b: two backslashes and a quote become five backslashes and the quote */
	round_trip((char *[]){ "p.exe", "a\\\\\"b", NULL }, "p.exe \"a\\\\\\\\\\\"b\"");
	round_trip((char *[]){ "p.exe", "\"", NULL }, "p.exe \"\\\"\"");
}

static void backslashes_before_the_closing_quote_are_doubled(void **state)
{
	(void)state;
	round_trip((char *[]){ "p.exe", "dir with space\\", NULL }, "p.exe \"dir with space\\\\\"");
	round_trip((char *[]){ "p.exe", "x y\\\\", NULL }, "p.exe \"x y\\\\\\\\\"");
}

static void the_program_name_is_quoted_without_escapes(void **state)
{
	(void)state;
	/* its backslashes, the last one too, are never doubled: the first argument has no escapes */
	round_trip((char *[]){ "C:\\Program Files\\bundle\\case.exe", "x", NULL },
		   "\"C:\\Program Files\\bundle\\case.exe\" x");
	round_trip((char *[]){ "run dir\\p.exe", NULL }, "\"run dir\\p.exe\"");
}

static void what_cannot_be_written_is_refused(void **state)
{
	char line[16];

	(void)state;
	assert_int_equal(command_line((char *[]){ "a\"b.exe", NULL }, line, sizeof(line)), -1);
	assert_int_equal(command_line((char *[]){ "p.exe", "0123456789abcdef", NULL }, line, sizeof(line)), -1);
	assert_int_equal(command_line((char *[]){ "p.exe", "fits", NULL }, line, sizeof(line)), 0);
	assert_string_equal(line, "p.exe fits");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_arguments_are_written_as_they_are),
		cmocka_unit_test(spaces_tabs_and_empty_arguments_are_quoted),
		cmocka_unit_test(quotes_are_escaped_with_the_backslashes_before_them_doubled),
		cmocka_unit_test(backslashes_before_the_closing_quote_are_doubled),
		cmocka_unit_test(the_program_name_is_quoted_without_escapes),
		cmocka_unit_test(what_cannot_be_written_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
