/*
 * What an agent does with memory it can reach: write, read, fill and sum
 * bytes, probe an access, build and walk pointer chains; the memory it
 * gets from its own allocators; and the system's memory figures.
 */
#ifndef MAPCONF_STEPS_MEMORY_H
#define MAPCONF_STEPS_MEMORY_H

#include "reply.h"

#include <stddef.h>
#include <stdint.h>

/* text: 1 to 256 bytes */
void mc_write_text_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *text);
struct mc_reply mc_try_write_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *text);
/* length bytes at addr, hex in the answer's data= */
struct mc_reply mc_try_read_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, size_t length);
/* Writes mc_fill_byte(seed, i) at every offset i of the range. */
void mc_fill_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, uint64_t seed);
struct mc_reply mc_try_fill_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, uint64_t seed);
/* The answer "ok sum=N": mc_range_sum of the range. */
struct mc_reply mc_checksum_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length);
/* One access ("read", "write") at addr; the answer's result= is "ok" or the fault (segv, bus, ...). */
struct mc_reply mc_probe_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *access);
/* count nodes, stride bytes apart, each pointing to the next; node i holds the value 7i+1. */
void mc_chain_build_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, int count, int stride);
/* The sum of the values a whole chain of count nodes holds, as the controller knows it. */
uint64_t mc_chain_sum(int count);
/* Follow the chain at addr, for a check to judge (visited= nodes, their sum=). */
struct mc_reply mc_try_chain_walk_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
/* size bytes from the agent's own allocator of that kind (heap, large, anon, shared-anon, heapalloc, ...). */
uintptr_t mc_alloc_where(MC_WHERE, struct mc_agent *a, const char *kind, uint64_t size);
/*
 * A and B, each with a view of one new object, and a write of A's seen by
 * B: the setting of the "only the object is shared" cases.
 */
void mc_share_object_where(MC_WHERE, struct mc_agent *a, struct mc_agent *b);

#define mc_write_text(a, addr, text)          mc_write_text_where(MC_HERE, a, addr, text)
#define mc_fill(a, addr, len, seed)           mc_fill_where(MC_HERE, a, addr, len, seed)
#define mc_try_fill(a, addr, len, seed)       mc_try_fill_where(MC_HERE, a, addr, len, seed)
#define mc_checksum(a, addr, len)             mc_checksum_where(MC_HERE, a, addr, len)
#define mc_probe(a, addr, access)             mc_probe_where(MC_HERE, a, addr, access)
#define mc_chain_build(a, addr, count, stride) mc_chain_build_where(MC_HERE, a, addr, count, stride)
#define mc_try_chain_walk(a, addr)            mc_try_chain_walk_where(MC_HERE, a, addr)
#define mc_alloc(a, kind, size)               mc_alloc_where(MC_HERE, a, kind, size)
#define mc_share_object(a, b)                 mc_share_object_where(MC_HERE, a, b)

#endif
