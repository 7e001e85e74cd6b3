#define _GNU_SOURCE
#include "checks.h"
#include "random.h"
#include "record.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void mc_check_true_at(MC_WHERE, const char *label, bool cond, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	mc_record_check();
	if (cond)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	mc_fail(file, line, label, "%s", message);
}

void mc_check_error_at(MC_WHERE, const char *label, const struct mc_reply *r, const char *code,
		       const char *what)
{
	mc_check_true_at(file, line, label, !r->ok && strcmp(r->code, code) == 0,
			 "%s: expected err code=%s, got \"%s\"", what, code, r->text);
}

void mc_check_ok_at(MC_WHERE, const char *label, const struct mc_reply *r, const char *what)
{
	mc_check_true_at(file, line, label, r->ok, "%s: expected ok, got \"%s\"", what, r->text);
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

static void check_bytes(MC_WHERE, const char *label, const struct mc_reply *r, const char *who,
			const char *where,
			const char *text)
{
	unsigned char got[256];
	char shown[1100];
	size_t len = strlen(text);
	long n;

	if (!r->ok)
		mc_check_true_at(file, line, label, false, "%s reading %s: expected \"%s\", got \"%s\"",
				 who, where, text, r->text);
	n = mc_hex_decode(mc_reply_field(file, line, r, "data"), got, sizeof(got));
	if (n < 0)
		n = 0;
	printable(got, (size_t)n, shown, sizeof(shown));
	mc_check_true_at(file, line, label, (size_t)n == len && memcmp(got, text, len) == 0,
			 "%s read \"%s\" at %s, expected \"%s\"", who, shown, where, text);
}

void mc_check_writes_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *text)
{
	struct mc_reply r = mc_try_write_at(file, line, a, addr, text);

	mc_check_true_at(file, line, label, r.ok, "%s could not write at 0x%lx: \"%s\"", mc_agent_label(a),
			 (unsigned long)addr, r.text);
}

void mc_check_reads_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *text)
{
	char where[32];
	struct mc_reply r = mc_try_read_at(file, line, a, addr, strlen(text));

	snprintf(where, sizeof(where), "0x%lx", (unsigned long)addr);
	check_bytes(file, line, label, &r, mc_agent_label(a), where, text);
}

void mc_check_unreachable_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr,
			     const char *text)
{
	unsigned char got[256];
	struct mc_reply r = mc_try_read_at(file, line, a, addr, strlen(text));
	long n;

	if (!r.ok && strcmp(r.code, "fault") == 0) {
		mc_check_true_at(file, line, label, true, "faulted");
		return;
	}
	if (!r.ok)
		mc_broken(file, line, "read", "%s could not read 0x%lx: \"%s\"", mc_agent_label(a),
			  (unsigned long)addr, r.text);
	n = mc_hex_decode(mc_reply_field(file, line, &r, "data"), got, sizeof(got));
	mc_check_true_at(file, line, label, !(n == (long)strlen(text) && memcmp(got, text, (size_t)n) == 0),
			 "%s reads another process's private \"%s\" at 0x%lx", mc_agent_label(a), text,
			 (unsigned long)addr);
}

void mc_check_allocation_private_at(MC_WHERE, const char *label, struct mc_agent *a, struct mc_agent *b,
				    const char *kind, uint64_t size)
{
	const char *marker = mc_marker("private");
	uintptr_t addr = mc_alloc_at(file, line, a, kind, size);

	mc_write_text_at(file, line, a, addr, marker);
	mc_check_unreachable_at(file, line, label, b, addr, marker);
}

void mc_check_file_holds_at(MC_WHERE, const char *label, struct mc_agent *a, const struct mc_object *o,
			    uint64_t offset, const char *text)
{
	char where[64];
	struct mc_reply r = mc_try_pread_at(file, line, a, o, offset, strlen(text));

	snprintf(where, sizeof(where), "file offset %llu (read(2))", (unsigned long long)offset);
	check_bytes(file, line, label, &r, mc_agent_label(a), where, text);
}

static const char *probe(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *access,
			 struct mc_reply *r)
{
	*r = mc_probe_at(file, line, a, addr, access);
	return mc_reply_field(file, line, r, "result");
}

/* A probe's result that is a fault: a POSIX signal, or a Win32 exception. */
static bool is_fault(const char *result)
{
	static const char *const faults[] = { "segv", "bus", "access_violation", "in_page_error" };

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (strcmp(result, faults[i]) == 0)
			return true;
	return false;
}

void mc_check_faults_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *access)
{
	struct mc_reply r;
	const char *result = probe(file, line, a, addr, access, &r);

	mc_check_true_at(file, line, label, is_fault(result),
			 "%s: a %s at 0x%lx should fault, but it succeeded (\"%s\")",
			 mc_agent_label(a), access, (unsigned long)addr, r.text);
}

void mc_check_accessible_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr,
			    const char *access)
{
	struct mc_reply r;
	const char *result = probe(file, line, a, addr, access, &r);

	mc_check_true_at(file, line, label, strcmp(result, "ok") == 0,
			 "%s: a %s at 0x%lx should succeed, but it faulted (\"%s\")",
			 mc_agent_label(a), access, (unsigned long)addr, r.text);
}
