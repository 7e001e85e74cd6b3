/*
 * Touching memory, the same in every agent: write, read, fill, checksum,
 * probe and pointer chains at any address the controller names. Every
 * access runs under the agent's fault guard, so a fault is an answer, never
 * a crash. What each agent provides for this (the answers, the guard, how a
 * fault is described) is the contract of agent_common.h.
 */
#include "agent_common.h"

#include <stdbool.h>
#include <string.h>

struct span {
	volatile unsigned char *addr;
	size_t length;
	unsigned char *buf;
	uint64_t seed;
	uint64_t sum;
};

WILD_ACCESS static void copy_out(void *arg)
{
	struct span *s = arg;

	for (size_t i = 0; i < s->length; i++)
		s->buf[i] = s->addr[i];
}

WILD_ACCESS static void copy_in(void *arg)
{
	struct span *s = arg;

	for (size_t i = 0; i < s->length; i++)
		s->addr[i] = s->buf[i];
}

WILD_ACCESS static void fill_pattern(void *arg)
{
	struct span *s = arg;

	uint64_t x = (s->seed + 1) * 0x9e3779b97f4a7c15ULL;   /* mc_fill_byte's, one add a byte */

	for (size_t i = 0; i < s->length; i++, x += MC_FILL_STEP)
		s->addr[i] = (unsigned char)(x >> 56);
}

static void checksum(void *arg)
{
	struct span *s = arg;

	s->sum = mc_range_sum((const void *)s->addr, s->length);
}

/* Reads then writes back the same byte: a write access that changes nothing. */
WILD_ACCESS static void touch_read(void *arg)
{
	struct span *s = arg;

	s->buf[0] = s->addr[0];
}

WILD_ACCESS static void touch_write(void *arg)
{
	struct span *s = arg;
	unsigned char v = s->addr[0];

	s->addr[0] = v;
}

static int get_span(const struct mc_line *req, struct span *s, bool need_length)
{
	uintptr_t addr;
	uint64_t length = 1;

	memset(s, 0, sizeof(*s));
	if (need_addr(req, "addr", &addr) || (need_length && need_u64(req, "length", &length)))
		return -1;
	s->addr = (volatile unsigned char *)addr;
	s->length = (size_t)length;
	return 0;
}

/* write addr= data=HEX */
static void verb_write(const struct mc_line *req)
{
	static unsigned char data[MC_DATA_MAX];
	const char *hex = need_str(req, "data");
	struct fault fault;
	struct span s;
	long n;

	if (get_span(req, &s, false) || !hex)
		return;
	n = mc_hex_decode(hex, data, sizeof(data));
	if (n <= 0) {
		answer_err("invalid_request", "none", "missing_or_bad=data");
		return;
	}
	s.length = (size_t)n;
	s.buf = data;
	if (guard_run(copy_in, &s, &fault))
		answer_fault(&fault);
	else
		answer_ok(NULL);
}

/* read addr= length= */
static void verb_read(const struct mc_line *req)
{
	static unsigned char data[MC_DATA_MAX];
	static char hex[2 * MC_DATA_MAX + 1];
	struct fault fault;
	struct span s;

	if (get_span(req, &s, true))
		return;
	if (s.length == 0 || s.length > MC_DATA_MAX) {
		answer_err("invalid_request", "none", "detail=length_not_1_to_%d", MC_DATA_MAX);
		return;
	}
	s.buf = data;
	if (guard_run(copy_out, &s, &fault)) {
		answer_fault(&fault);
		return;
	}
	mc_hex_encode(data, s.length, hex);
	answer_ok("data=%s", hex);
}

/* fill addr= length= seed= : writes mc_fill_byte(seed, i) at every offset i */
static void verb_fill(const struct mc_line *req)
{
	struct fault fault;
	struct span s;

	if (get_span(req, &s, true) || need_u64(req, "seed", &s.seed))
		return;
	if (guard_run(fill_pattern, &s, &fault))
		answer_fault(&fault);
	else
		answer_ok(NULL);
}

/* checksum addr= length= : mc_range_sum of the range */
static void verb_checksum(const struct mc_line *req)
{
	struct fault fault;
	struct span s;

	if (get_span(req, &s, true))
		return;
	if (guard_run(checksum, &s, &fault))
		answer_fault(&fault);
	else
		answer_ok("sum=0x%016llx", (unsigned long long)s.sum);
}

/* probe addr= access=read|write : result=ok, or the fault (answer_probe_fault) */
static void verb_probe(const struct mc_line *req)
{
	const char *access = mc_line_get(req, "access");
	unsigned char byte;
	struct fault fault;
	struct span s;
	void (*touch)(void *);

	if (get_span(req, &s, false))
		return;
	if (!access || strcmp(access, "read") == 0)
		touch = touch_read;
	else if (strcmp(access, "write") == 0)
		touch = touch_write;
	else {
		answer_err("invalid_request", "none", "missing_or_bad=access");
		return;
	}
	s.buf = &byte;
	if (guard_run(touch, &s, &fault))
		answer_probe_fault(&fault);
	else
		answer_ok("result=ok");
}

/*
 * A linked list whose links are absolute addresses: it can only be walked
 * where the view is at the same address as where it was built (C6).
 */
struct node {
	uintptr_t next;
	uint64_t value;
};

struct chain {
	uintptr_t addr;
	uint64_t count, stride, visited, sum;
};

WILD_ACCESS static void build_chain(void *arg)
{
	struct chain *c = arg;

	for (uint64_t i = 0; i < c->count; i++) {
		/* the offset as an address-sized value: with 32-bit pointers a uint64_t sum is no address */
		volatile struct node *n = (volatile struct node *)(c->addr + (uintptr_t)(i * c->stride));

		n->value = i * 7 + 1;
		n->next = i + 1 < c->count ? c->addr + (i + 1) * c->stride : 0;
		c->sum += n->value;
	}
}

WILD_ACCESS static void walk_chain(void *arg)
{
	struct chain *c = arg;
	uintptr_t at = c->addr;

	/* bounded, so a cycle made by a broken platform cannot hang the agent */
	while (at && c->visited < 1000000) {
		volatile struct node *n = (volatile struct node *)at;

		c->sum += n->value;
		c->visited++;
		at = n->next;
	}
}

/* chain_build addr= count= stride= */
static void verb_chain_build(const struct mc_line *req)
{
	struct chain c = { 0 };
	struct fault fault;

	if (need_addr(req, "addr", &c.addr) || need_u64(req, "count", &c.count) ||
	    need_u64(req, "stride", &c.stride))
		return;
	if (c.stride < sizeof(struct node)) {
		answer_err("invalid_request", "none", "detail=stride_too_small");
		return;
	}
	if (guard_run(build_chain, &c, &fault))
		answer_fault(&fault);
	else
		answer_ok("sum=%llu", (unsigned long long)c.sum);
}

/* chain_walk addr= */
static void verb_chain_walk(const struct mc_line *req)
{
	struct chain c = { 0 };
	struct fault fault;

	if (need_addr(req, "addr", &c.addr))
		return;
	if (guard_run(walk_chain, &c, &fault))
		answer_chain_fault(&fault, c.visited);
	else
		answer_ok("visited=%llu sum=%llu", (unsigned long long)c.visited,
			  (unsigned long long)c.sum);
}

const struct verb touch_verbs[] = {
	{ "write", verb_write },
	{ "read", verb_read },
	{ "fill", verb_fill },
	{ "checksum", verb_checksum },
	{ "probe", verb_probe },
	{ "chain_build", verb_chain_build },
	{ "chain_walk", verb_chain_walk },
	{ NULL, NULL },
};
