#include "steps_object.h"
#include "requests.h"
#include "protocol.h"

#include <stdio.h>
#include <string.h>

#define CREATE "create backend=%s name=%s size=%llu"
#define CREATE_MAX 1024
#define OPEN "open backend=%s name=%s access=%s"
#define RESIZE "resize handle=%s size=%llu"
/* the longest text a pwrite step writes */
#define PWRITE_MAX 256

/* A memfd has no name of its own: the one its create answers (its /proc path) becomes o's, for others to open. */
static void take_memfd_name(struct mc_object *o, const struct mc_reply *r)
{
	const char *name = mc_line_get(&r->line, "name");

	if (name)
		snprintf(o->name, sizeof(o->name), "%s", name);
}

/*
 * The create request opts ask for: each option one field, in one order, so
 * that a request reads the same whichever options a case names.
 */
static void create_request(char *out, size_t cap, const struct mc_object *o, struct mc_create_opts opts)
{
	uint64_t size = opts.unsized ? 0 : opts.size ? opts.size : o->size;
	size_t n = (size_t)snprintf(out, cap, CREATE " excl=%d", o->backend->name, o->name,
				    (unsigned long long)size, !opts.open_existing);

	if (opts.unsized)
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " resize=0");
	if (opts.huge)
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " huge=1");
	if (opts.mode)
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " mode=%04o", opts.mode);
	if (opts.reserve)
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " reserve=1");
	if (opts.large_pages)
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " large=1");
	if (opts.executable)
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " exec=1");
	if (opts.over_read_only_file)
		snprintf(out + n, n < cap ? cap - n : 0, " file_access=r protect=%s", opts.over_read_only_file);
}

struct mc_reply mc_try_create_where(MC_WHERE, struct mc_agent *a, struct mc_object *o, struct mc_create_opts opts)
{
	char request[CREATE_MAX];
	struct mc_reply r;

	create_request(request, sizeof(request), o, opts);
	r = mc_try_where(file, line, a, "%s", request);
	if (r.ok)
		take_memfd_name(o, &r);
	return r;
}

struct mc_handle mc_create_where(MC_WHERE, struct mc_agent *a, struct mc_object *o, struct mc_create_opts opts)
{
	char request[CREATE_MAX];
	struct mc_reply r;

	create_request(request, sizeof(request), o, opts);
	r = mc_step_where(file, line, a, "%s", request);
	take_memfd_name(o, &r);
	return mc_handle_of_where(file, line, &r);
}

struct mc_handle mc_open_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, const char *access)
{
	struct mc_reply r = mc_step_where(file, line, a, OPEN, o->backend->name, o->name, access);

	return mc_handle_of_where(file, line, &r);
}

struct mc_reply mc_try_open_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, const char *access)
{
	return mc_try_where(file, line, a, OPEN, o->backend->name, o->name, access);
}

void mc_close_where(MC_WHERE, struct mc_agent *a, struct mc_handle h)
{
	mc_step_where(file, line, a, "close handle=%s", h.id);
}

void mc_unlink_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	mc_step_where(file, line, a, "unlink backend=%s name=%s", o->backend->name, o->name);
}

struct mc_reply mc_try_unlink_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	return mc_try_where(file, line, a, "unlink backend=%s name=%s", o->backend->name, o->name);
}

struct mc_reply mc_try_chmod_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, unsigned int mode)
{
	return mc_try_where(file, line, a, "chmod handle=%s mode=%03o", h.id, mode);
}

void mc_remove_name_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	if (o->backend->has_name)
		mc_unlink_where(file, line, a, o);
}

void mc_resize_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t size)
{
	mc_step_where(file, line, a, RESIZE, h.id, (unsigned long long)size);
}

struct mc_reply mc_try_resize_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t size)
{
	return mc_try_where(file, line, a, RESIZE, h.id, (unsigned long long)size);
}

struct mc_reply mc_stat_where(MC_WHERE, struct mc_agent *a, struct mc_handle h)
{
	return mc_step_where(file, line, a, "stat handle=%s", h.id);
}

void mc_touch_mtime_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, time_t seconds)
{
	mc_step_where(file, line, a, "touch handle=%s mtime_s=%lld", h.id, (long long)seconds);
}

/* The pwrite request for text at offset, as a step or a try sends it. */
static const char *pwrite_request(MC_WHERE, const struct mc_object *o, uint64_t offset, const char *text)
{
	static char request[2 * PWRITE_MAX + 1024];
	char hex[2 * PWRITE_MAX + 1];
	size_t n = strlen(text);

	if (n > PWRITE_MAX)
		mc_broken(file, line, "pwrite", "a text of %zu bytes is longer than the %d a step writes", n, PWRITE_MAX);
	mc_hex_encode(text, n, hex);
	snprintf(request, sizeof(request), "pwrite backend=%s name=%s offset=%llu data=%s", o->backend->name, o->name,
		 (unsigned long long)offset, hex);
	return request;
}

void mc_pwrite_text_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, uint64_t offset, const char *text)
{
	mc_step_where(file, line, a, "%s", pwrite_request(file, line, o, offset, text));
}

struct mc_reply mc_try_pwrite_text_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, uint64_t offset,
					 const char *text)
{
	return mc_try_where(file, line, a, "%s", pwrite_request(file, line, o, offset, text));
}

void mc_seal_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, const char *seals)
{
	mc_step_where(file, line, a, "seal handle=%s seals=%s", h.id, seals);
}

struct mc_reply mc_try_seal_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, const char *seals)
{
	return mc_try_where(file, line, a, "seal handle=%s seals=%s", h.id, seals);
}

struct mc_reply mc_try_pread_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, uint64_t offset,
				   size_t length)
{
	return mc_try_where(file, line, a, "pread backend=%s name=%s offset=%llu length=%zu", o->backend->name,
			    o->name, (unsigned long long)offset, length);
}
