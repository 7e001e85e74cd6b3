/*
 * Unit tests of what the Win32 agent answers, built with mingw-w64 and run
 * under Wine: GetLastError() values as the protocol carries them
 * (agents/win32/errors.c), and the answer lines of the shared skeleton
 * (agents/common/answer.c) as this C library formats and cuts them. The
 * channel is this file's: it keeps the last line instead of sending it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "agent.h"

static char sent[MC_LINE_MAX + 1];
static size_t sent_len;

void channel_write(const char *text, size_t len)
{
	assert_true(len <= MC_LINE_MAX);
	memcpy(sent, text, len);
	sent[len] = '\0';
	sent_len = len;
}

static void errors_map_to_portable_codes(void **state)
{
	(void)state;
	assert_string_equal(win32_code(ERROR_ALREADY_EXISTS), "already_exists");
	assert_string_equal(win32_code(ERROR_FILE_EXISTS), "already_exists");
	assert_string_equal(win32_code(ERROR_FILE_NOT_FOUND), "not_found");
	assert_string_equal(win32_code(ERROR_MAPPED_ALIGNMENT), "invalid_argument");
	assert_string_equal(win32_code(ERROR_COMMITMENT_LIMIT), "no_memory");
	assert_string_equal(win32_code(ERROR_USER_MAPPED_FILE), "busy");
	assert_string_equal(win32_code(ERROR_NOACCESS), "fault");
}

static void unknown_errors_are_other_and_named_by_number(void **state)
{
	(void)state;
	assert_string_equal(win32_code(ERROR_SUCCESS), "other");
	assert_string_equal(win32_code(4294967295UL), "other");
	assert_string_equal(win32_name(12345), "ERROR_12345");
	assert_string_equal(win32_name(4294967295UL), "ERROR_4294967295");
}

static void errors_keep_their_symbolic_names(void **state)
{
	(void)state;
	assert_string_equal(win32_name(ERROR_ALREADY_EXISTS), "ERROR_ALREADY_EXISTS");
	assert_string_equal(win32_name(ERROR_FILE_EXISTS), "ERROR_FILE_EXISTS");
	assert_string_equal(win32_name(ERROR_INVALID_HANDLE), "ERROR_INVALID_HANDLE");
}

static void answers_are_one_line_each(void **state)
{
	(void)state;
	answer_ok(NULL);
	assert_string_equal(sent, "ok\n");
	answer_ok("handle=h%d size=%llu", 3, 18446744073709551615ULL);
	assert_string_equal(sent, "ok handle=h3 size=18446744073709551615\n");
	answer_err("not_found", "2", "name=%s", win32_name(ERROR_FILE_NOT_FOUND));
	assert_string_equal(sent, "err code=not_found native=2 name=ERROR_FILE_NOT_FOUND\n");
	answer_new_handle(-1);
	assert_string_equal(sent, "err code=no_memory native=none detail=handle_table_full\n");
}

static void a_line_too_long_is_cut_not_overrun(void **state)
{
	static char field[MC_LINE_MAX + 100];

	(void)state;
	memset(field, 'x', sizeof(field) - 1);
	answer_ok("data=%s", field);
	assert_int_equal(sent_len, MC_LINE_MAX - 1);
	assert_int_equal(sent[sent_len - 1], '\n');
	assert_memory_equal(sent, "ok data=xxx", 11);
}

static void missing_fields_are_named(void **state)
{
	char buf[] = "map handle=h1 length=4k\n";
	struct mc_line req;
	const char *why;
	uint64_t length;

	(void)state;
	assert_int_equal(mc_line_parse(buf, &req, &why), 0);
	assert_int_equal(need_u64(&req, "length", &length), -1);
	assert_string_equal(sent, "err code=invalid_request native=none missing_or_bad=length\n");
	assert_null(need_str(&req, "name"));
	assert_string_equal(sent, "err code=invalid_request native=none missing=name\n");
	assert_string_equal(need_str(&req, "handle"), "h1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(errors_map_to_portable_codes),
		cmocka_unit_test(unknown_errors_are_other_and_named_by_number),
		cmocka_unit_test(errors_keep_their_symbolic_names),
		cmocka_unit_test(answers_are_one_line_each),
		cmocka_unit_test(a_line_too_long_is_cut_not_overrun),
		cmocka_unit_test(missing_fields_are_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
