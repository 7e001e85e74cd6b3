/* Writing answers: one line per request, flushed at once. */
#include "agent.h"

#include <stdarg.h>
#include <stdio.h>

void answer_ok(const char *fmt, ...)
{
	va_list ap;

	fputs("ok", stdout);
	if (fmt && *fmt) {
		fputc(' ', stdout);
		va_start(ap, fmt);
		vfprintf(stdout, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stdout);
	fflush(stdout);
}

void answer_err(const char *code, const char *native, const char *detail_fmt, ...)
{
	va_list ap;

	printf("err code=%s native=%s", code, native);
	if (detail_fmt && *detail_fmt) {
		fputc(' ', stdout);
		va_start(ap, detail_fmt);
		vfprintf(stdout, detail_fmt, ap);
		va_end(ap);
	}
	fputc('\n', stdout);
	fflush(stdout);
}

void answer_errno(int err)
{
	answer_err(errno_code(err), errno_name(err), "errno=%d", err);
}

void answer_raw(const char *text)
{
	printf("%s\n", text);
	fflush(stdout);
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

int need_fd(const struct mc_line *req)
{
	int fd = handle_fd(mc_line_get(req, "handle"));

	if (fd < 0)
		answer_err("bad_handle", "none", "detail=unknown_handle");
	return fd;
}
