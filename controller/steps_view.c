#include "steps_view.h"
#include "requests.h"
#include "steps_object.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAP_FIXED "map handle=%s length=%llu at=0x%llx"
#define MAP_MAX 256
#define FLUSH "flush addr=0x%llx length=%llu mode=%s"
#define PROTECT "protect addr=0x%llx length=%llu prot=%s"

/* The map request opts ask for, in the form each kind of view has always been asked with. */
static void map_request(char *out, size_t cap, struct mc_handle h, uint64_t length, struct mc_map_opts opts,
			bool step)
{
	size_t n;

	if (opts.at) {
		snprintf(out, cap, MAP_FIXED "%s", h.id, (unsigned long long)length, (unsigned long long)opts.at,
			 opts.rounded ? " rnd=1" : "");
		return;
	}
	n = (size_t)snprintf(out, cap, "map handle=%s", h.id);
	if (opts.offset || (step && !opts.private_copy))
		n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " offset=%llu", (unsigned long long)opts.offset);
	snprintf(out + n, n < cap ? cap - n : 0, " length=%llu prot=%s%s%s", (unsigned long long)length,
		 opts.prot ? opts.prot : "rw", opts.private_copy ? " private=1" : "", opts.executable ? " exec=1" : "");
}

uintptr_t mc_map_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length, struct mc_map_opts opts)
{
	char request[MAP_MAX];
	struct mc_reply r;
	uintptr_t got;

	map_request(request, sizeof(request), h, length, opts, true);
	r = mc_step_where(file, line, a, "%s", request);
	got = (uintptr_t)mc_field_u64_where(file, line, &r, "addr");
	if (opts.at && got != opts.at)
		mc_broken(file, line, "map", "step failed: %s asked for a view at 0x%llx and got one at 0x%llx",
			  mc_agent_label(a), (unsigned long long)opts.at, (unsigned long long)got);
	return got;
}

struct mc_reply mc_try_map_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length,
				 struct mc_map_opts opts)
{
	char request[MAP_MAX];

	map_request(request, sizeof(request), h, length, opts, false);
	return mc_try_where(file, line, a, "%s", request);
}

uintptr_t mc_create_map_where(MC_WHERE, struct mc_agent *a, struct mc_object *o)
{
	return mc_map_where(file, line, a, mc_create_where(file, line, a, o, (struct mc_create_opts){ 0 }), o->size,
			    (struct mc_map_opts){ 0 });
}

uintptr_t mc_open_map_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	return mc_map_where(file, line, a, mc_open_where(file, line, a, o, "rw"), o->size, (struct mc_map_opts){ 0 });
}

void mc_unmap_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	mc_step_where(file, line, a, "unmap addr=0x%llx length=%llu", (unsigned long long)addr,
		      (unsigned long long)length);
}

void mc_protect_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, const char *prot)
{
	mc_step_where(file, line, a, PROTECT, (unsigned long long)addr, (unsigned long long)length, prot);
}

struct mc_reply mc_try_protect_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, const char *prot)
{
	return mc_try_where(file, line, a, PROTECT, (unsigned long long)addr, (unsigned long long)length, prot);
}

void mc_commit_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	mc_step_where(file, line, a, "commit addr=0x%llx length=%llu", (unsigned long long)addr, (unsigned long long)length);
}

void mc_flush_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	mc_step_where(file, line, a, FLUSH, (unsigned long long)addr, (unsigned long long)length, "sync");
}

struct mc_reply mc_try_flush_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length,
				   const char *mode)
{
	return mc_try_where(file, line, a, FLUSH, (unsigned long long)addr, (unsigned long long)length, mode);
}

struct mc_reply mc_dirty_kb_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	struct mc_reply r = mc_step_where(file, line, a, "dirty addr=0x%llx", (unsigned long long)addr);

	return r;
}

struct mc_reply mc_query_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	return mc_step_where(file, line, a, "query addr=0x%llx", (unsigned long long)addr);
}

static bool free_in_all(MC_WHERE, struct mc_agent **agents, int n, uintptr_t addr, uint64_t length)
{
	for (int i = 0; i < n; i++) {
		struct mc_reply r = mc_step_where(file, line, agents[i], "isfree addr=0x%llx length=%llu",
						  (unsigned long long)addr, (unsigned long long)length);

		if (mc_field_u64_where(file, line, &r, "free") != 1)
			return false;
	}
	return true;
}

/*
 * Found free in the first agent, confirmed in all, and if it is taken
 * somewhere, tried again lower down (the gap below mmap's area is large).
 */
uint64_t mc_view_granule(struct mc_agent *a)
{
	const char *shmlba = strstr(mc_agent_ready(a), " shmlba=");
	uint64_t v = shmlba ? strtoull(shmlba + 8, NULL, 0) : 0;

	return v > MC_GRANULE ? v : MC_GRANULE;
}

uintptr_t mc_free_address_where(MC_WHERE, struct mc_agent **agents, int n, uint64_t length)
{
	const uint64_t step = 1ULL << 30;
	struct mc_reply r = mc_step_where(file, line, agents[0], "findfree length=%llu",
					  (unsigned long long)length);
	uintptr_t base = (uintptr_t)mc_field_u64_where(file, line, &r, "addr");

	for (uint64_t k = 0; k < 8 && base > k * step + length; k++) {
		uintptr_t candidate = base - k * step;

		if (free_in_all(file, line, agents, n, candidate, length))
			return candidate;
	}
	mc_broken(file, line, "free-address", "no address range of %llu bytes is free in all %d agents",
		  (unsigned long long)length, n);
}
