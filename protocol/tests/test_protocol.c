/* Unit tests of the line protocol shared by the controller and the agents. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "protocol.h"

#include <stdio.h>

static void parses_word_and_fields(void **state)
{
	char buf[] = "map handle=h1 length=4096 at=0x7f0000000000\n";
	struct mc_line line;
	const char *why = NULL;
	uint64_t length;
	uintptr_t at;

	(void)state;
	assert_int_equal(mc_line_parse(buf, &line, &why), 0);
	assert_string_equal(line.word, "map");
	assert_int_equal(line.nfields, 3);
	assert_string_equal(mc_line_get(&line, "handle"), "h1");
	assert_int_equal(mc_line_get_u64(&line, "length", &length), 0);
	assert_int_equal(length, 4096);
	assert_int_equal(mc_line_get_addr(&line, "at", &at), 0);
	assert_int_equal(at, 0x7f0000000000ULL);
	assert_null(mc_line_get(&line, "offset"));
}

static void value_may_contain_equals_sign(void **state)
{
	char buf[] = "ok detail=a=b";
	struct mc_line line;
	const char *why;

	(void)state;
	assert_int_equal(mc_line_parse(buf, &line, &why), 0);
	assert_string_equal(mc_line_get(&line, "detail"), "a=b");
}

static void refuses_malformed_lines(void **state)
{
	const char *bad[] = { "", "   \n", "key=value first", "ok novalue", "ok =value" };
	struct mc_line line;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char buf[64];
		const char *why = NULL;

		strcpy(buf, bad[i]);
		assert_int_equal(mc_line_parse(buf, &line, &why), -1);
		assert_non_null(why);
	}
}

static void refuses_too_many_fields(void **state)
{
	char buf[1024] = "ok";
	struct mc_line line;
	const char *why = NULL;

	(void)state;
	for (int i = 0; i <= MC_FIELDS_MAX; i++)
		strcat(buf, " k=v");
	assert_int_equal(mc_line_parse(buf, &line, &why), -1);
	assert_string_equal(why, "too many fields");
}

static void numbers_must_be_whole(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(mc_parse_u64("0x10", &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(mc_parse_u64("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(mc_parse_u64("12abc", &v), -1);
	assert_int_equal(mc_parse_u64("-1", &v), -1);
	assert_int_equal(mc_parse_u64("", &v), -1);
	assert_int_equal(mc_parse_u64(NULL, &v), -1);
	assert_int_equal(mc_parse_u64("99999999999999999999999", &v), -1);
}

static void hex_round_trips(void **state)
{
	const unsigned char data[] = { 0x00, 0x7f, 0x80, 0xff, 'A' };
	char hex[2 * sizeof(data) + 1];
	unsigned char back[sizeof(data)];

	(void)state;
	mc_hex_encode(data, sizeof(data), hex);
	assert_string_equal(hex, "007f80ff41");
	assert_int_equal(mc_hex_decode(hex, back, sizeof(back)), sizeof(data));
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(mc_hex_decode("ABcd", back, sizeof(back)), 2);
	assert_int_equal(back[0], 0xab);
}

static void hex_refuses_bad_input(void **state)
{
	unsigned char out[2];

	(void)state;
	assert_int_equal(mc_hex_decode("abc", out, sizeof(out)), -1);
	assert_int_equal(mc_hex_decode("zz", out, sizeof(out)), -1);
	assert_int_equal(mc_hex_decode("aabbcc", out, sizeof(out)), -1);
}

static void fnv1a_matches_reference_values(void **state)
{
	(void)state;
	assert_int_equal(mc_fnv1a("", 0, MC_FNV_OFFSET), 0xcbf29ce484222325ULL);
	assert_int_equal(mc_fnv1a("a", 1, MC_FNV_OFFSET), 0xaf63dc4c8601ec8cULL);
	/* chained over pieces, it equals the hash of the whole */
	assert_int_equal(mc_fnv1a("b", 1, mc_fnv1a("a", 1, MC_FNV_OFFSET)),
			 mc_fnv1a("ab", 2, MC_FNV_OFFSET));
}

static void range_sum_reads_words_little_endian_then_the_tail(void **state)
{
	const unsigned char bytes[11] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	uint64_t h = (MC_FNV_OFFSET ^ 0x0807060504030201ULL) * 0x100000001b3ULL;

	(void)state;
	assert_int_equal(mc_range_sum(bytes, 0), MC_FNV_OFFSET);
	h ^= h >> 32;
	assert_int_equal(mc_range_sum(bytes, 8), h);
	assert_int_equal(mc_range_sum(bytes, 11), mc_fnv1a(bytes + 8, 3, h));
}

static void range_sum_sees_any_one_changed_byte(void **state)
{
	unsigned char bytes[64] = { 0 };
	uint64_t zero = mc_range_sum(bytes, sizeof(bytes));

	(void)state;
	for (size_t i = 0; i < sizeof(bytes); i++) {
		for (int bit = 0; bit < 8; bit++) {
			bytes[i] = (unsigned char)(1u << bit);
			assert_true(mc_range_sum(bytes, sizeof(bytes)) != zero);
		}
		bytes[i] = 0;
	}
}

static void fill_pattern_is_not_constant(void **state)
{
	int distinct = 0;

	(void)state;
	for (int i = 1; i < 256; i++)
		distinct += mc_fill_byte(7, (uint64_t)i) != mc_fill_byte(7, (uint64_t)i - 1);
	assert_true(distinct > 200);
	assert_true(mc_fill_byte(1, 0) != mc_fill_byte(2, 0) || mc_fill_byte(1, 1) != mc_fill_byte(2, 1));
}

/* l parsed from text, in buf */
static struct mc_line parsed(char *buf, const char *text)
{
	struct mc_line l;
	const char *why;

	strcpy(buf, text);
	assert_int_equal(mc_line_parse(buf, &l, &why), 0);
	return l;
}

static void patterns_match_word_fields_and_alternatives(void **state)
{
	char buf[256];
	struct mc_line err = parsed(buf, "err code=already_exists native=EEXIST errno=17");

	(void)state;
	assert_true(mc_line_matches(&err, "err"));
	assert_false(mc_line_matches(&err, "ok"));
	assert_true(mc_line_matches(&err, "err code=already_exists|invalid_address"));
	assert_true(mc_line_matches(&err, "err code=invalid_address|already_exists native=EEXIST"));
	assert_false(mc_line_matches(&err, "err code=invalid_address"));
	assert_false(mc_line_matches(&err, "err code=already"));          /* whole values only */
	assert_false(mc_line_matches(&err, "err missing=1"));
	assert_true(mc_line_matches(&err, "!ok data=00"));
	assert_false(mc_line_matches(&err, "!err"));
}

static void patterns_compare_numbers_as_numbers(void **state)
{
	char buf[256];
	struct mc_line ok = parsed(buf, "ok sum=0x10 mode=0644 kb=0");

	(void)state;
	assert_true(mc_line_matches(&ok, "ok sum=16"));
	assert_true(mc_line_matches(&ok, "ok sum=0x10 mode=0644 kb=0"));
	assert_false(mc_line_matches(&ok, "ok kb=16"));
	assert_false(mc_line_matches(&ok, "ok mode=0666"));
}

static void patterns_match_long_values(void **state)
{
	static char buf[MC_LINE_MAX], pattern[MC_LINE_MAX];
	char hex[2 * 300 + 1];
	unsigned char bytes[300];
	struct mc_line l;
	const char *why;

	(void)state;
	memset(bytes, 'x', sizeof(bytes));
	mc_hex_encode(bytes, sizeof(bytes), hex);
	snprintf(buf, sizeof(buf), "ok data=%s", hex);
	assert_int_equal(mc_line_parse(buf, &l, &why), 0);
	snprintf(pattern, sizeof(pattern), "ok data=%s", hex);
	assert_true(mc_line_matches(&l, pattern));
	pattern[strlen(pattern) - 1] = '0';
	assert_false(mc_line_matches(&l, pattern));
}

static void comparisons_know_their_operators(void **state)
{
	bool known;

	(void)state;
	assert_true(mc_compare(3, "<=", 3, &known) && known);
	assert_false(mc_compare(4, "<=", 3, &known));
	assert_true(mc_compare(4, "!=", 3, &known));
	assert_true(mc_compare(0x20000, "multiple-of", 0x10000, &known));
	assert_false(mc_compare(0x21000, "multiple-of", 0x10000, &known));
	assert_false(mc_compare(1, "multiple-of", 0, &known));
	assert_false(mc_compare(1, "~", 1, &known) || known);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_word_and_fields),
		cmocka_unit_test(value_may_contain_equals_sign),
		cmocka_unit_test(refuses_malformed_lines),
		cmocka_unit_test(refuses_too_many_fields),
		cmocka_unit_test(numbers_must_be_whole),
		cmocka_unit_test(hex_round_trips),
		cmocka_unit_test(hex_refuses_bad_input),
		cmocka_unit_test(fnv1a_matches_reference_values),
		cmocka_unit_test(range_sum_reads_words_little_endian_then_the_tail),
		cmocka_unit_test(range_sum_sees_any_one_changed_byte),
		cmocka_unit_test(fill_pattern_is_not_constant),
		cmocka_unit_test(patterns_match_word_fields_and_alternatives),
		cmocka_unit_test(patterns_compare_numbers_as_numbers),
		cmocka_unit_test(patterns_match_long_values),
		cmocka_unit_test(comparisons_know_their_operators),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
