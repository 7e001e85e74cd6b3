/*
 * Writing answers, the same in every agent: one line per request, built
 * whole and then sent at once over the agent's channel, so that no answer
 * ever leaves in pieces.
 */
#include "agent_common.h"

#include <stdarg.h>
#include <stdio.h>

static char line[MC_LINE_MAX];

/* Appends to line at *used; a line that would not fit is cut (never overrun). */
static void append(size_t *used, const char *fmt, va_list ap)
{
	int n;

	if (*used >= sizeof(line) - 1)
		return;
	n = vsnprintf(line + *used, sizeof(line) - 1 - *used, fmt, ap);
	if (n > 0)
		*used += (size_t)n < sizeof(line) - 1 - *used ? (size_t)n : sizeof(line) - 2 - *used;
}

static void appendf(size_t *used, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(used, fmt, ap);
	va_end(ap);
}

static void send_line(size_t used)
{
	line[used++] = '\n';
	channel_write(line, used);
}

void answer_ok(const char *fmt, ...)
{
	va_list ap;
	size_t used = 0;

	appendf(&used, "ok");
	if (fmt && *fmt) {
		appendf(&used, " ");
		va_start(ap, fmt);
		append(&used, fmt, ap);
		va_end(ap);
	}
	send_line(used);
}

void answer_err(const char *code, const char *native, const char *detail_fmt, ...)
{
	va_list ap;
	size_t used = 0;

	appendf(&used, "err code=%s native=%s", code, native);
	if (detail_fmt && *detail_fmt) {
		appendf(&used, " ");
		va_start(ap, detail_fmt);
		append(&used, detail_fmt, ap);
		va_end(ap);
	}
	send_line(used);
}

void answer_raw(const char *text)
{
	size_t used = 0;

	appendf(&used, "%s", text);
	send_line(used);
}

void answer_new_handle(int h)
{
	if (h < 0)
		answer_err("no_memory", "none", "detail=handle_table_full");
	else
		answer_ok("handle=h%d", h);
}

int need_u64(const struct mc_line *req, const char *key, uint64_t *out)
{
	if (mc_line_get_u64(req, key, out) == 0)
		return 0;
	answer_err("invalid_request", "none", "missing_or_bad=%s", key);
	return -1;
}

int need_addr(const struct mc_line *req, const char *key, uintptr_t *out)
{
	if (mc_line_get_addr(req, key, out) == 0)
		return 0;
	answer_err("invalid_request", "none", "missing_or_bad=%s", key);
	return -1;
}

const char *need_str(const struct mc_line *req, const char *key)
{
	const char *v = mc_line_get(req, key);

	if (!v || !*v)
		answer_err("invalid_request", "none", "missing=%s", key);
	return v && *v ? v : NULL;
}
