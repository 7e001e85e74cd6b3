#include "steps_view.h"
#include "requests.h"
#include "steps_object.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAP "map handle=%s offset=%llu length=%llu prot=%s"
#define MAP_START "map handle=%s length=%llu prot=%s"
#define MAP_FIXED "map handle=%s length=%llu at=0x%lx"
#define FLUSH "flush addr=0x%lx length=%llu mode=%s"
#define PROTECT "protect addr=0x%lx length=%llu prot=%s"

uintptr_t mc_map_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t offset,
		       uint64_t length, const char *prot)
{
	struct mc_reply r = mc_step_where(file, line, a, MAP, h.id, (unsigned long long)offset,
					  (unsigned long long)length, prot);

	return (uintptr_t)mc_field_u64_where(file, line, &r, "addr");
}

struct mc_reply mc_try_map_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length,
				 const char *prot)
{
	return mc_try_where(file, line, a, MAP_START, h.id, (unsigned long long)length, prot);
}

struct mc_reply mc_try_map_at_offset_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t offset,
					   uint64_t length, const char *prot)
{
	return mc_try_where(file, line, a, MAP, h.id, (unsigned long long)offset, (unsigned long long)length,
			    prot);
}

uintptr_t mc_map_fixed_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length, uintptr_t at)
{
	struct mc_reply r = mc_step_where(file, line, a, MAP_FIXED, h.id, (unsigned long long)length,
					  (unsigned long)at);
	uintptr_t got = (uintptr_t)mc_field_u64_where(file, line, &r, "addr");

	if (got != at)
		mc_broken(file, line, "map", "step failed: %s asked for a view at 0x%lx and got one at 0x%lx",
			  mc_agent_label(a), (unsigned long)at, (unsigned long)got);
	return got;
}

struct mc_reply mc_try_map_fixed_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length,
				       uintptr_t at)
{
	return mc_try_where(file, line, a, MAP_FIXED, h.id, (unsigned long long)length, (unsigned long)at);
}

struct mc_reply mc_try_map_fixed_rounded_where(MC_WHERE, struct mc_agent *a, struct mc_handle h,
					       uint64_t length, uintptr_t at)
{
	return mc_try_where(file, line, a, MAP_FIXED " rnd=1", h.id, (unsigned long long)length,
			    (unsigned long)at);
}

uintptr_t mc_map_private_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length)
{
	struct mc_reply r = mc_step_where(file, line, a, MAP_START " private=1", h.id,
					  (unsigned long long)length, "rw");

	return (uintptr_t)mc_field_u64_where(file, line, &r, "addr");
}

uintptr_t mc_create_map_where(MC_WHERE, struct mc_agent *a, struct mc_object *o)
{
	return mc_map_where(file, line, a, mc_create_where(file, line, a, o, (struct mc_create_opts){ 0 }), 0, o->size, "rw");
}

uintptr_t mc_open_map_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o)
{
	return mc_map_where(file, line, a, mc_open_where(file, line, a, o, "rw"), 0, o->size, "rw");
}

void mc_unmap_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	mc_step_where(file, line, a, "unmap addr=0x%lx length=%llu", (unsigned long)addr,
		      (unsigned long long)length);
}

void mc_protect_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, const char *prot)
{
	mc_step_where(file, line, a, PROTECT, (unsigned long)addr, (unsigned long long)length, prot);
}

struct mc_reply mc_try_protect_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, const char *prot)
{
	return mc_try_where(file, line, a, PROTECT, (unsigned long)addr, (unsigned long long)length, prot);
}

void mc_commit_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	mc_step_where(file, line, a, "commit addr=0x%lx length=%llu", (unsigned long)addr, (unsigned long long)length);
}

void mc_flush_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	mc_step_where(file, line, a, FLUSH, (unsigned long)addr, (unsigned long long)length, "sync");
}

struct mc_reply mc_try_flush_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length,
				   const char *mode)
{
	return mc_try_where(file, line, a, FLUSH, (unsigned long)addr, (unsigned long long)length, mode);
}

struct mc_reply mc_dirty_kb_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	struct mc_reply r = mc_step_where(file, line, a, "dirty addr=0x%lx", (unsigned long)addr);

	return r;
}

struct mc_reply mc_query_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	return mc_step_where(file, line, a, "query addr=0x%lx", (unsigned long)addr);
}

static bool free_in_all(MC_WHERE, struct mc_agent **agents, int n, uintptr_t addr, uint64_t length)
{
	for (int i = 0; i < n; i++) {
		struct mc_reply r = mc_step_where(file, line, agents[i], "isfree addr=0x%lx length=%llu",
						  (unsigned long)addr, (unsigned long long)length);

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
