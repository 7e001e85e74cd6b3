/*
 * Touching memory: write, read, fill, checksum, probe, pointer chains, and
 * memory from the process's own allocators. Every access runs under the
 * fault guard, so a fault is an answer ("err code=fault" or
 * "probe ... result=access_violation"), never a crash. The requests and
 * answers are those of the POSIX agent; only faults and allocators differ.
 */
#include "agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct span {
	volatile unsigned char *addr;
	size_t length;
	unsigned char *buf;
	uint64_t seed;
	uint64_t sum;
};

static void copy_out(void *arg)
{
	struct span *s = arg;

	for (size_t i = 0; i < s->length; i++)
		s->buf[i] = s->addr[i];
}

static void copy_in(void *arg)
{
	struct span *s = arg;

	for (size_t i = 0; i < s->length; i++)
		s->addr[i] = s->buf[i];
}

static void fill_pattern(void *arg)
{
	struct span *s = arg;

	for (size_t i = 0; i < s->length; i++)
		s->addr[i] = mc_fill_byte(s->seed, i);
}

static void checksum(void *arg)
{
	struct span *s = arg;

	s->sum = mc_fnv1a((const void *)s->addr, s->length, MC_FNV_OFFSET);
}

static void touch_read(void *arg)
{
	struct span *s = arg;

	s->buf[0] = s->addr[0];
}

/* Reads then writes back the same byte: a write access that changes nothing. */
static void touch_write(void *arg)
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

/* checksum addr= length= : FNV-1a of the range */
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

/* probe addr= access=read|write : result=ok|access_violation|in_page_error */
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
		answer_ok("result=%s exception=0x%08lx", fault_kind(&fault), (unsigned long)fault.code);
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

static void build_chain(void *arg)
{
	struct chain *c = arg;

	for (uint64_t i = 0; i < c->count; i++) {
		volatile struct node *n = (volatile struct node *)(c->addr + i * c->stride);

		n->value = i * 7 + 1;
		n->next = i + 1 < c->count ? c->addr + (i + 1) * c->stride : 0;
		c->sum += n->value;
	}
}

static void walk_chain(void *arg)
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
	if (guard_run(walk_chain, &c, &fault)) {
		char code[16];

		snprintf(code, sizeof(code), "0x%08lx", (unsigned long)fault.code);
		answer_err("fault", code, "kind=%s at=0x%llx visited=%llu", fault_kind(&fault),
			   (unsigned long long)fault.addr, (unsigned long long)c.visited);
	} else
		answer_ok("visited=%llu sum=%llu", (unsigned long long)c.visited,
			  (unsigned long long)c.sum);
}

/* An unnamed section, mapped: shared memory only a handle passed on can reach. */
static void *unnamed_section_view(uint64_t size)
{
	HANDLE section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE,
					    (DWORD)(size >> 32), (DWORD)size, NULL);
	void *p;

	if (!section)
		return NULL;
	p = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, (SIZE_T)size);
	CloseHandle(section);   /* the view keeps the section */
	return p;
}

/*
 * alloc kind= size= : zeroed memory from one of the process's own
 * allocators, kept until the agent ends:
 *   heap         malloc, small (the C runtime's heap)
 *   large        malloc, 1 MiB and more
 *   anon         VirtualAlloc (MEM_RESERVE | MEM_COMMIT), the Win32 private mapping
 *   shared-anon  a view of an unnamed section (what MAP_SHARED|MAP_ANONYMOUS is on POSIX)
 *   heapalloc    HeapAlloc on the process heap
 *   globalalloc  GlobalAlloc (GMEM_FIXED)
 *   localalloc   LocalAlloc (LMEM_FIXED)
 */
static void verb_alloc(const struct mc_line *req)
{
	const char *kind = mc_line_get(req, "kind");
	uint64_t size;
	void *p;

	if (need_u64(req, "size", &size))
		return;
	SetLastError(ERROR_NOT_ENOUGH_MEMORY);   /* malloc need not set one */
	if (!kind) {
		answer_err("invalid_request", "none", "missing=kind");
		return;
	} else if (strcmp(kind, "heap") == 0 || strcmp(kind, "large") == 0) {
		p = calloc(1, (size_t)size);
	} else if (strcmp(kind, "anon") == 0) {
		p = VirtualAlloc(NULL, (SIZE_T)size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
	} else if (strcmp(kind, "shared-anon") == 0) {
		p = unnamed_section_view(size);
	} else if (strcmp(kind, "heapalloc") == 0) {
		p = HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, (SIZE_T)size);
	} else if (strcmp(kind, "globalalloc") == 0) {
		p = (void *)GlobalAlloc(GMEM_FIXED | GMEM_ZEROINIT, (SIZE_T)size);
	} else if (strcmp(kind, "localalloc") == 0) {
		p = (void *)LocalAlloc(LMEM_FIXED | LMEM_ZEROINIT, (SIZE_T)size);
	} else {
		answer_err("unsupported", "none", "detail=unknown_kind");
		return;
	}
	if (!p) {
		answer_win32(GetLastError());
		return;
	}
	answer_ok("addr=0x%llx", (unsigned long long)(uintptr_t)p);
}

const struct verb memory_verbs[] = {
	{ "write", verb_write },
	{ "read", verb_read },
	{ "fill", verb_fill },
	{ "checksum", verb_checksum },
	{ "probe", verb_probe },
	{ "chain_build", verb_chain_build },
	{ "chain_walk", verb_chain_walk },
	{ "alloc", verb_alloc },
	{ NULL, NULL },
};
