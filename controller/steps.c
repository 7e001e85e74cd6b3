#define _GNU_SOURCE
#include "steps.h"
#include "case_main.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#define REQUEST_MAX 1024

static void end_on_call_failure(MC_WHERE, enum mc_call_status st, const char *why);
#define WHY_MAX 512

struct mc_agent *mc_agent_start_at(MC_WHERE, const char *label)
{
	char why[WHY_MAX];
	struct mc_agent *a = mc_agent_spawn(label, why, sizeof(why));

	if (!a)
		mc_broken(file, line, "%s", why);
	return a;
}

struct mc_agent *mc_fork_at(MC_WHERE, struct mc_agent *parent, const char *label)
{
	static int forks;
	char path[512], why[WHY_MAX];
	struct mc_reply r = { 0 };
	const char *dir = getenv("MAPCONF_SCRATCH");
	struct mc_agent *child;

	snprintf(path, sizeof(path), "%s/fork-%ld-%d", dir && *dir ? dir : "/tmp", (long)getpid(), ++forks);
	child = mc_agent_fork(parent, label, path, &r, why, sizeof(why));
	if (child)
		return child;
	if (r.text && !r.ok && strcmp(r.code, "unsupported") == 0)
		mc_skip(file, line, "%s cannot fork: %s", mc_agent_label(parent), r.text);
	if (r.text && !r.ok)
		mc_broken(file, line, "step failed: %s \"fork\" answered \"%s\"", mc_agent_label(parent), r.text);
	mc_broken(file, line, "%s", why);
}

struct mc_agent *mc_spawn_at(MC_WHERE, struct mc_agent *parent, const char *label, const char *handles)
{
	char why[WHY_MAX];
	struct mc_reply r = { 0 };
	struct mc_agent *child = mc_agent_spawn_child(parent, label, handles, &r, why, sizeof(why));

	if (child)
		return child;
	if (r.text && !r.ok && strcmp(r.code, "unsupported") == 0)
		mc_skip(file, line, "%s cannot spawn a child: %s", mc_agent_label(parent), r.text);
	if (r.text && !r.ok)
		mc_broken(file, line, "step failed: %s \"spawn\" answered \"%s\"", mc_agent_label(parent), r.text);
	mc_broken(file, line, "%s", why);
}

void mc_exec_at(MC_WHERE, struct mc_agent *a)
{
	char why[WHY_MAX];
	struct mc_reply r;

	end_on_call_failure(file, line, mc_agent_exec(a, &r, why, sizeof(why)), why);
	if (!r.ok)
		mc_broken(file, line, "step failed: %s \"exec\" answered \"%s\"", mc_agent_label(a), r.text);
}

static void end_on_call_failure(MC_WHERE, enum mc_call_status st, const char *why)
{
	if (st == MC_CALL_TIMEOUT)
		mc_timed_out(file, line, "%s", why);
	if (st != MC_CALL_ANSWERED)
		mc_broken(file, line, "%s", why);
}

static struct mc_reply vtry(MC_WHERE, struct mc_agent *a, const char *fmt, va_list ap)
{
	char request[REQUEST_MAX], why[WHY_MAX];
	struct mc_reply r;

	vsnprintf(request, sizeof(request), fmt, ap);
	end_on_call_failure(file, line, mc_agent_call(a, &r, request, why, sizeof(why)), why);
	return r;
}

struct mc_reply mc_try_at(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
{
	va_list ap;
	struct mc_reply r;

	va_start(ap, fmt);
	r = vtry(file, line, a, fmt, ap);
	va_end(ap);
	return r;
}

/* A step that fails is the environment's problem (ERROR), or a missing mechanism (SKIP). */
struct mc_reply mc_step_at(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
{
	char request[REQUEST_MAX];
	va_list ap;
	struct mc_reply r;

	va_start(ap, fmt);
	vsnprintf(request, sizeof(request), fmt, ap);
	va_end(ap);
	r = mc_try_at(file, line, a, "%s", request);
	if (r.ok)
		return r;
	if (strcmp(r.code, "unsupported") == 0)
		mc_skip(file, line, "%s does not support \"%s\": %s", mc_agent_label(a), request, r.text);
	mc_broken(file, line, "step failed: %s \"%s\" answered \"%s\"", mc_agent_label(a), request,
		  r.text);
}

void mc_try_each_at(MC_WHERE, struct mc_agent **agents, int n, char requests[][256],
		    struct mc_reply *replies)
{
	char why[WHY_MAX];

	for (int i = 0; i < n; i++)
		end_on_call_failure(file, line, mc_agent_send(agents[i], requests[i], why, sizeof(why)), why);
	for (int i = 0; i < n; i++)
		end_on_call_failure(file, line, mc_agent_receive(agents[i], &replies[i], why, sizeof(why)), why);
}

const char *mc_reply_field(MC_WHERE, const struct mc_reply *r, const char *key)
{
	const char *v = mc_line_get(&r->line, key);

	if (!v)
		mc_broken(file, line, "answer \"%s\" has no field '%s'", r->text, key);
	return v;
}

uint64_t mc_reply_u64(MC_WHERE, const struct mc_reply *r, const char *key)
{
	uint64_t v;

	if (mc_parse_u64(mc_reply_field(file, line, r, key), &v))
		mc_broken(file, line, "answer \"%s\": field '%s' is not a number", r->text, key);
	return v;
}

uint64_t mc_announced_u64_at(MC_WHERE, struct mc_agent *a, const char *key)
{
	struct mc_reply ready = { .ok = true };
	const char *problem;
	char *copy = strdup(mc_agent_ready(a));

	ready.text = mc_agent_ready(a);
	if (!copy || mc_line_parse(copy, &ready.line, &problem))
		mc_broken(file, line, "agent %s's ready line \"%s\" cannot be read", mc_agent_label(a), ready.text);
	uint64_t v = mc_reply_u64(file, line, &ready, key);
	free(copy);
	return v;
}

struct mc_handle mc_handle_of_at(MC_WHERE, const struct mc_reply *r)
{
	struct mc_handle h;

	snprintf(h.id, sizeof(h.id), "%s", mc_reply_field(file, line, r, "handle"));
	return h;
}

struct mc_handle mc_create_at(MC_WHERE, struct mc_agent *a, struct mc_object *o)
{
	struct mc_reply r = mc_step_at(file, line, a, "create backend=%s name=%s size=%llu excl=1",
				       o->backend, o->name, (unsigned long long)o->size);
	const char *name = mc_line_get(&r.line, "name");

	if (name)
		snprintf(o->name, sizeof(o->name), "%s", name);
	return mc_handle_of_at(file, line, &r);
}

struct mc_handle mc_open_at(MC_WHERE, struct mc_agent *a, const struct mc_object *o,
			    const char *access)
{
	struct mc_reply r = mc_step_at(file, line, a, "open backend=%s name=%s access=%s",
				       o->backend, o->name, access);

	return mc_handle_of_at(file, line, &r);
}

uintptr_t mc_map_at(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t offset,
		    uint64_t length, const char *prot)
{
	struct mc_reply r = mc_step_at(file, line, a, "map handle=%s offset=%llu length=%llu prot=%s",
				       h.id, (unsigned long long)offset,
				       (unsigned long long)length, prot);

	return (uintptr_t)mc_reply_u64(file, line, &r, "addr");
}

/* A view at a set address, needed there for what the case checks next. */
uintptr_t mc_map_fixed_at(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length,
			  uintptr_t at)
{
	struct mc_reply r = mc_step_at(file, line, a, "map handle=%s length=%llu at=0x%lx", h.id,
				       (unsigned long long)length, (unsigned long)at);
	uintptr_t got = (uintptr_t)mc_reply_u64(file, line, &r, "addr");

	if (got != at)
		mc_broken(file, line, "step failed: %s asked for a view at 0x%lx and got one at 0x%lx",
			  mc_agent_label(a), (unsigned long)at, (unsigned long)got);
	return got;
}

uintptr_t mc_map_private_at(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length)
{
	struct mc_reply r = mc_step_at(file, line, a, "map handle=%s length=%llu prot=rw private=1",
				       h.id, (unsigned long long)length);

	return (uintptr_t)mc_reply_u64(file, line, &r, "addr");
}

void mc_unmap_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	mc_step_at(file, line, a, "unmap addr=0x%lx length=%llu", (unsigned long)addr,
		   (unsigned long long)length);
}

void mc_close_at(MC_WHERE, struct mc_agent *a, struct mc_handle h)
{
	mc_step_at(file, line, a, "close handle=%s", h.id);
}

void mc_unlink_at(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	mc_step_at(file, line, a, "unlink backend=%s name=%s", o->backend, o->name);
}

void mc_remove_name_at(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	if (mc_object_has_name(o))
		mc_unlink_at(file, line, a, o);
}

void mc_flush_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	mc_step_at(file, line, a, "flush addr=0x%lx length=%llu mode=sync", (unsigned long)addr,
		   (unsigned long long)length);
}

uint64_t mc_dirty_kb_at(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	struct mc_reply r = mc_step_at(file, line, a, "dirty addr=0x%lx", (unsigned long)addr);

	return mc_reply_u64(file, line, &r, "kb");
}

uintptr_t mc_create_map_at(MC_WHERE, struct mc_agent *a, struct mc_object *o)
{
	return mc_map_at(file, line, a, mc_create_at(file, line, a, o), 0, o->size, "rw");
}

uintptr_t mc_open_map_at(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	return mc_map_at(file, line, a, mc_open_at(file, line, a, o, "rw"), 0, o->size, "rw");
}

void mc_write_request_at(MC_WHERE, uintptr_t addr, const char *text, char *request)
{
	char hex[2 * 256 + 1];
	size_t len = strlen(text);

	if (len == 0 || len > 256)
		mc_broken(file, line, "text to write must be 1 to 256 bytes");
	mc_hex_encode(text, len, hex);
	snprintf(request, MC_WRITE_REQUEST_MAX, "write addr=0x%lx data=%s", (unsigned long)addr, hex);
}

void mc_write_text_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *text)
{
	char request[MC_WRITE_REQUEST_MAX];

	mc_write_request_at(file, line, addr, text, request);
	mc_step_at(file, line, a, "%s", request);
}

void mc_fill_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, uint64_t seed)
{
	mc_step_at(file, line, a, "fill addr=0x%lx length=%llu seed=%llu", (unsigned long)addr,
		   (unsigned long long)length, (unsigned long long)seed);
}

uint64_t mc_checksum_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	struct mc_reply r = mc_step_at(file, line, a, "checksum addr=0x%lx length=%llu",
				       (unsigned long)addr, (unsigned long long)length);

	return mc_reply_u64(file, line, &r, "sum");
}

/* An orderly exit: the agent answers, then ends with status 0. */
void mc_exit_at(MC_WHERE, struct mc_agent *a)
{
	char how[128];
	int status;

	mc_step_at(file, line, a, "exit code=0");
	status = mc_agent_wait_end(a, how, sizeof(how));
	if (status != 0)
		mc_broken(file, line, "agent %s %s after an orderly exit", mc_agent_label(a), how);
}

/* Termination from outside, the way a crash or an OOM kill ends a process. */
void mc_kill_at(MC_WHERE, struct mc_agent *a)
{
	if (!mc_agent_alive(a))
		mc_broken(file, line, "agent %s is not running", mc_agent_label(a));
	mc_agent_kill(a);
}

uint64_t mc_accounting_at(MC_WHERE, struct mc_agent *a, const char *figure)
{
	struct mc_reply r = mc_step_at(file, line, a, "accounting figure=%s", figure);

	return mc_reply_u64(file, line, &r, "kb");
}

static bool free_in_all(MC_WHERE, struct mc_agent **agents, int n, uintptr_t addr, uint64_t length)
{
	for (int i = 0; i < n; i++) {
		struct mc_reply r = mc_step_at(file, line, agents[i], "isfree addr=0x%lx length=%llu",
					       (unsigned long)addr, (unsigned long long)length);

		if (mc_reply_u64(file, line, &r, "free") != 1)
			return false;
	}
	return true;
}

/*
 * An address where a range of this length is free in every one of the
 * agents: found free in the first, confirmed in all, and if it is taken
 * somewhere, tried again lower down (the gap below mmap's area is large).
 */
uintptr_t mc_free_address_at(MC_WHERE, struct mc_agent **agents, int n, uint64_t length)
{
	const uint64_t step = 1ULL << 30;
	struct mc_reply r = mc_step_at(file, line, agents[0], "findfree length=%llu",
				       (unsigned long long)length);
	uintptr_t base = (uintptr_t)mc_reply_u64(file, line, &r, "addr");

	for (uint64_t k = 0; k < 8 && base > k * step + length; k++) {
		uintptr_t candidate = base - k * step;

		if (free_in_all(file, line, agents, n, candidate, length))
			return candidate;
	}
	mc_broken(file, line, "no address range of %llu bytes is free in all %d agents",
		  (unsigned long long)length, n);
}

unsigned int mc_random_u32(void)
{
	unsigned int rnd = 0;

	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (unsigned int)getpid() * 2654435761u;
	return rnd;
}

const char *mc_marker(const char *prefix)
{
	static char texts[8][96];
	static int next;
	char *text = texts[next++ % 8];

	snprintf(text, sizeof(texts[0]), "%s-%08x%08x", prefix, mc_random_u32(), mc_random_u32());
	return text;
}

/*
 * The setting of the "only the object is shared" cases: the object is
 * really shared (checked, so a platform that shares nothing cannot pass
 * them by accident), and everything else must stay private.
 */
void mc_share_object_at(MC_WHERE, struct mc_agent *a, struct mc_agent *b)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	const char *shared = mc_marker("shared");
	uintptr_t va = mc_create_map_at(file, line, a, obj);
	uintptr_t vb = mc_open_map_at(file, line, b, obj);
	struct mc_reply r;

	mc_write_text_at(file, line, a, va, shared);
	r = mc_step_at(file, line, b, "read addr=0x%lx length=%zu", (unsigned long)vb, strlen(shared));
	char hex[2 * 96 + 1];
	mc_hex_encode(shared, strlen(shared), hex);
	if (strcmp(mc_reply_field(file, line, &r, "data"), hex) != 0)
		mc_broken(file, line, "B does not see A's write through the shared object, so what stays private cannot be told apart");
}
