#define _GNU_SOURCE
#include "checks.h"
#include "random.h"
#include "record.h"
#include "trace.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A check, whose failure is the platform's (FAIL), or a requirement, whose failure ends the case as ERROR. */
enum verdict { CHECK, REQUIREMENT };

/*
 * Every check and requirement ends here: traced with what it requires
 * (oracle, in trace.h's words), and, when it does not hold, the end of the
 * case with the message. A check is counted.
 */
static void decide(MC_WHERE, enum verdict kind, const char *name, bool holds, const char *oracle,
		   const char *fmt, va_list ap)
{
	char message[1024];

	if (kind == CHECK)
		mc_record_check();
	mc_trace("%s %s %s", kind == CHECK ? "check" : "require", name, oracle);
	if (holds)
		return;
	vsnprintf(message, sizeof(message), fmt, ap);
	if (kind == CHECK)
		mc_fail(file, line, name, "%s", message);
	mc_broken(file, line, name, "%s", message);
}

/* decide() with the message given as a format */
static void MC_PRINTF(7, 8)
state(MC_WHERE, enum verdict kind, const char *name, bool holds, const char *oracle, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	decide(file, line, kind, name, holds, oracle, fmt, ap);
	va_end(ap);
}

/* decide() on an answer and the pattern it must match */
static void MC_PRINTF(8, 9)
on_answer(MC_WHERE, enum verdict kind, const char *name, bool holds, const struct mc_reply *r, const char *pattern,
	  const char *fmt, ...)
{
	char oracle[MC_DATA_MAX * 2 + 256];
	va_list ap;

	snprintf(oracle, sizeof(oracle), "answer #%d %s", r->seq, pattern);
	va_start(ap, fmt);
	decide(file, line, kind, name, holds, oracle, fmt, ap);
	va_end(ap);
}

void mc_check_answer_where(MC_WHERE, const char *label, const struct mc_reply *r, const char *pattern,
			   const char *what)
{
	on_answer(file, line, CHECK, label, mc_line_matches(&r->line, pattern), r, pattern,
		  "%s: expected %s\"%s\", got \"%s\"", what, pattern[0] == '!' ? "anything but " : "",
		  pattern + (pattern[0] == '!'), r->text);
}

struct mc_term mc_answered_where(MC_WHERE, const struct mc_reply *r, const char *key, int64_t plus)
{
	return (struct mc_term){ .value = mc_field_u64_where(file, line, r, key) + (uint64_t)plus, .seq = r->seq,
				 .key = key, .plus = plus, .raw = mc_field_where(file, line, r, key),
				 .from = r->from };
}

/* A term as the trace writes it: "#N.key+K", a number, or "@0x..." for an address the reproducer finds anew. */
static void term_oracle(struct mc_term t, char *out, size_t cap)
{
	if (t.seq)
		snprintf(out, cap, "#%d.%s%+" PRId64, t.seq, t.key, t.plus);
	else
		snprintf(out, cap, t.address ? "@0x%" PRIx64 : "%" PRIu64, t.value);
}

/* decide() on lhs op rhs; a failure states the comparison, led by what it compares if given. */
static void compare_verdict(MC_WHERE, enum verdict kind, const char *name, struct mc_term lhs, const char *op,
			    struct mc_term rhs, const char *what)
{
	char left[96], right[96], oracle[256], stated[512];
	bool known;
	bool holds = mc_compare(lhs.value, op, rhs.value, &known);

	if (!known)
		mc_broken(file, line, name, "a check compares with \"%s\", which is no comparison", op);
	term_oracle(lhs, left, sizeof(left));
	term_oracle(rhs, right, sizeof(right));
	snprintf(oracle, sizeof(oracle), "compare %s %s %s", left, op, right);
	mc_comparison_text(stated, sizeof(stated), lhs, op, rhs);
	state(file, line, kind, name, holds, oracle, "%s%sexpected %s", what, *what ? ": " : "", stated);
}

void mc_check_compare_where(MC_WHERE, const char *label, struct mc_term lhs, const char *op, struct mc_term rhs,
			    const char *what)
{
	compare_verdict(file, line, CHECK, label, lhs, op, rhs, what);
}

void mc_require_compare_where(MC_WHERE, const char *step, struct mc_term lhs, const char *op, struct mc_term rhs,
			      const char *what)
{
	compare_verdict(file, line, REQUIREMENT, step, lhs, op, rhs, what);
}

void mc_check_error_where(MC_WHERE, const char *label, const struct mc_reply *r, const char *code,
			  const char *what)
{
	char pattern[128];

	snprintf(pattern, sizeof(pattern), "err code=%s", code);
	mc_check_answer_where(file, line, label, r, pattern, what);
}

void mc_check_ok_where(MC_WHERE, const char *label, const struct mc_reply *r, const char *what)
{
	mc_check_answer_where(file, line, label, r, "ok", what);
}

/* Bytes as text for a message: printable characters kept, the rest as \xNN. */
static void printable(const unsigned char *data, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < cap; i++) {
		if (isprint(data[i]) && data[i] != '\\')
			out[o++] = (char)data[i];
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02x", data[i]);
	}
	out[o] = '\0';
}

/* "ok data=<hex of text>": the answer of a read that found text; negated, one that did not. */
static void data_pattern(const char *text, bool negated, char *out, size_t cap)
{
	char hex[MC_DATA_MAX * 2 + 1];

	mc_hex_encode(text, strlen(text) < MC_DATA_MAX ? strlen(text) : MC_DATA_MAX, hex);
	snprintf(out, cap, "%sok data=%s", negated ? "!" : "", hex);
}

static void check_bytes(MC_WHERE, const char *label, const struct mc_reply *r, const char *who,
			const char *where, const char *text)
{
	unsigned char got[256];
	char shown[1100], pattern[MC_DATA_MAX * 2 + 16];
	long n = -1;

	data_pattern(text, false, pattern, sizeof(pattern));
	if (!r->ok)
		on_answer(file, line, CHECK, label, false, r, pattern, "%s reading %s: expected \"%s\", got \"%s\"",
			  who, where, text, r->text);
	n = mc_hex_decode(mc_field_where(file, line, r, "data"), got, sizeof(got));
	printable(got, n < 0 ? 0 : (size_t)n, shown, sizeof(shown));
	on_answer(file, line, CHECK, label, mc_line_matches(&r->line, pattern), r, pattern,
		  "%s read \"%s\" at %s, expected \"%s\"", who, shown, where, text);
}

void mc_check_not_read_where(MC_WHERE, const char *label, const struct mc_reply *r, const char *text,
			     const char *what)
{
	char pattern[MC_DATA_MAX * 2 + 16];

	data_pattern(text, true, pattern, sizeof(pattern));
	on_answer(file, line, CHECK, label, mc_line_matches(&r->line, pattern), r, pattern,
		  "%s found \"%s\": \"%s\"", what, text, r->text);
}

void mc_require_read_where(MC_WHERE, const char *step, const struct mc_reply *r, const char *text, const char *what)
{
	char pattern[MC_DATA_MAX * 2 + 16];

	data_pattern(text, false, pattern, sizeof(pattern));
	on_answer(file, line, REQUIREMENT, step, mc_line_matches(&r->line, pattern), r, pattern,
		  "%s did not find \"%s\": \"%s\"", what, text, r->text);
}

void mc_check_writes_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *text)
{
	struct mc_reply r = mc_try_write_where(file, line, a, addr, text);

	on_answer(file, line, CHECK, label, r.ok, &r, "ok", "%s could not write at 0x%llx: \"%s\"",
		  mc_agent_label(a), (unsigned long long)addr, r.text);
}

void mc_check_reads_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *text)
{
	char where[32];
	struct mc_reply r = mc_try_read_where(file, line, a, addr, strlen(text));

	snprintf(where, sizeof(where), "0x%llx", (unsigned long long)addr);
	check_bytes(file, line, label, &r, mc_agent_label(a), where, text);
}

/* Reading there faults, or finds something else; any other error is the harness's. */
void mc_check_unreachable_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr,
				const char *text)
{
	char pattern[MC_DATA_MAX * 2 + 16];
	struct mc_reply r = mc_try_read_where(file, line, a, addr, strlen(text));

	if (!r.ok && strcmp(r.code, "fault") != 0)
		mc_broken(file, line, "read", "%s could not read 0x%llx: \"%s\"", mc_agent_label(a),
			  (unsigned long long)addr, r.text);
	data_pattern(text, true, pattern, sizeof(pattern));
	on_answer(file, line, CHECK, label, mc_line_matches(&r.line, pattern), &r, pattern,
		  "%s reads another process's private \"%s\" at 0x%llx", mc_agent_label(a), text,
		  (unsigned long long)addr);
}

void mc_check_allocation_private_where(MC_WHERE, const char *label, struct mc_agent *a, struct mc_agent *b,
				       const char *kind, uint64_t size)
{
	const char *marker = mc_marker("private");
	uintptr_t addr = mc_alloc_where(file, line, a, kind, size);

	mc_write_text_where(file, line, a, addr, marker);
	mc_check_unreachable_where(file, line, label, b, addr, marker);
}

void mc_check_file_holds_where(MC_WHERE, const char *label, struct mc_agent *a, const struct mc_object *o,
			       uint64_t offset, const char *text)
{
	char where[64];
	struct mc_reply r = mc_try_pread_where(file, line, a, o, offset, strlen(text));

	snprintf(where, sizeof(where), "file offset %llu (read(2))", (unsigned long long)offset);
	check_bytes(file, line, label, &r, mc_agent_label(a), where, text);
}

/* A probe's result that is a fault: a POSIX signal, or a Win32 exception. */
#define FAULTED "ok result=segv|bus|access_violation|in_page_error"

void mc_check_faults_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *access)
{
	struct mc_reply r = mc_probe_where(file, line, a, addr, access);

	on_answer(file, line, CHECK, label, mc_line_matches(&r.line, FAULTED), &r, FAULTED,
		  "%s: a %s at 0x%llx should fault, but it succeeded (\"%s\")",
		  mc_agent_label(a), access, (unsigned long long)addr, r.text);
}

void mc_check_accessible_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr,
			       const char *access)
{
	struct mc_reply r = mc_probe_where(file, line, a, addr, access);

	on_answer(file, line, CHECK, label, mc_line_matches(&r.line, "ok result=ok"), &r, "ok result=ok",
		  "%s: a %s at 0x%llx should succeed, but it faulted (\"%s\")",
		  mc_agent_label(a), access, (unsigned long long)addr, r.text);
}
