/*
 * The verbs a case uses, typed. Two kinds:
 *
 *   mc_create(), mc_map(), ... are steps: the case needs them to succeed in
 *   order to check anything, so a failure ends the case as ERROR (the
 *   environment broke) or SKIP (the platform lacks the mechanism), never as
 *   FAIL. They are called through the macros below so the record names the
 *   case's own line.
 *
 *   mc_try_*() send the request and return the answer for a check to judge.
 *
 * Handles are agent-side names ("h1"); addresses are the agent's numbers.
 */
#ifndef MAPCONF_STEPS_H
#define MAPCONF_STEPS_H

#include "agent_client.h"
#include "objects.h"

#include <stddef.h>
#include <stdint.h>

struct mc_handle {
	char id[16];
};

#define MC_WHERE const char *file, int line
#define MC_HERE __FILE__, __LINE__

struct mc_agent *mc_agent_start_at(MC_WHERE, const char *label);
/* A child of parent made by fork: it has the parent's views at the same addresses. */
struct mc_agent *mc_fork_at(MC_WHERE, struct mc_agent *parent, const char *label);
/*
 * A child process of parent made by "spawn" (Win32 CreateProcess): it
 * inherits the handles listed ("h1,h2"), by the same names, and nothing else.
 */
struct mc_agent *mc_spawn_at(MC_WHERE, struct mc_agent *parent, const char *label, const char *handles);
/* The agent replaces its program (exec); it keeps its pid and its pipes. */
void mc_exec_at(MC_WHERE, struct mc_agent *a);
struct mc_reply mc_try_at(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
struct mc_reply mc_step_at(MC_WHERE, struct mc_agent *a, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * Requests to several agents at once (requests[i] to agents[i]): all are
 * sent before any answer is read; replies[i] is agents[i]'s answer.
 */
void mc_try_each_at(MC_WHERE, struct mc_agent **agents, int n, char requests[][256],
		    struct mc_reply *replies);
const char *mc_reply_field(MC_WHERE, const struct mc_reply *r, const char *key);
/* A number from the agent's "ready" line: its own pid= (a Windows process id, under Win32), ... */
uint64_t mc_announced_u64_at(MC_WHERE, struct mc_agent *a, const char *key);
uint64_t mc_reply_u64(MC_WHERE, const struct mc_reply *r, const char *key);
/* The handle a successful create or open answered with. */
struct mc_handle mc_handle_of_at(MC_WHERE, const struct mc_reply *r);

/* For an object without a name of its own (memfd), the name it answers becomes o's name. */
struct mc_handle mc_create_at(MC_WHERE, struct mc_agent *a, struct mc_object *o);
struct mc_handle mc_open_at(MC_WHERE, struct mc_agent *a, const struct mc_object *o,
			    const char *access);
uintptr_t mc_map_at(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t offset,
		    uint64_t length, const char *prot);
uintptr_t mc_map_fixed_at(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length,
			  uintptr_t at);
uintptr_t mc_map_private_at(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length);
void mc_unmap_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length);
void mc_close_at(MC_WHERE, struct mc_agent *a, struct mc_handle h);
void mc_unlink_at(MC_WHERE, struct mc_agent *a, const struct mc_object *o);
/* Remove the object's name where it has one (unlink), so only views and handles keep it. */
void mc_remove_name_at(MC_WHERE, struct mc_agent *a, const struct mc_object *o);
void mc_flush_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length);
uint64_t mc_dirty_kb_at(MC_WHERE, struct mc_agent *a, uintptr_t addr);
uintptr_t mc_create_map_at(MC_WHERE, struct mc_agent *a, struct mc_object *o);
uintptr_t mc_open_map_at(MC_WHERE, struct mc_agent *a, const struct mc_object *o);
/* The request that writes text (1 to 256 bytes) at addr, into request[MC_WRITE_REQUEST_MAX]. */
#define MC_WRITE_REQUEST_MAX 600
void mc_write_request_at(MC_WHERE, uintptr_t addr, const char *text, char *request);
void mc_write_text_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *text);
void mc_fill_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, uint64_t seed);
uint64_t mc_checksum_at(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length);
void mc_exit_at(MC_WHERE, struct mc_agent *a);
void mc_kill_at(MC_WHERE, struct mc_agent *a);
uint64_t mc_accounting_at(MC_WHERE, struct mc_agent *a, const char *figure);
uintptr_t mc_free_address_at(MC_WHERE, struct mc_agent **agents, int n, uint64_t length);

#define mc_agent_start(label)          mc_agent_start_at(MC_HERE, label)
#define mc_fork(parent, label)         mc_fork_at(MC_HERE, parent, label)
#define mc_spawn(parent, label, handles) mc_spawn_at(MC_HERE, parent, label, handles)
#define mc_exec(a)                     mc_exec_at(MC_HERE, a)
#define mc_try(a, ...)                 mc_try_at(MC_HERE, a, __VA_ARGS__)
#define mc_step(a, ...)                mc_step_at(MC_HERE, a, __VA_ARGS__)
#define mc_try_each(agents, n, reqs, replies) mc_try_each_at(MC_HERE, agents, n, reqs, replies)
#define mc_field(r, key)               mc_reply_field(MC_HERE, r, key)
#define mc_field_u64(r, key)           mc_reply_u64(MC_HERE, r, key)
#define mc_announced_u64(a, key)       mc_announced_u64_at(MC_HERE, a, key)
#define mc_handle_of(r)                mc_handle_of_at(MC_HERE, r)
#define mc_create(a, o)                mc_create_at(MC_HERE, a, o)
#define mc_open(a, o, access)          mc_open_at(MC_HERE, a, o, access)
#define mc_map(a, h, off, len, prot)   mc_map_at(MC_HERE, a, h, off, len, prot)
#define mc_map_fixed(a, h, len, at)    mc_map_fixed_at(MC_HERE, a, h, len, at)
#define mc_map_private(a, h, len)      mc_map_private_at(MC_HERE, a, h, len)
#define mc_unmap(a, addr, len)         mc_unmap_at(MC_HERE, a, addr, len)
#define mc_close(a, h)                 mc_close_at(MC_HERE, a, h)
#define mc_unlink(a, o)                mc_unlink_at(MC_HERE, a, o)
#define mc_remove_name(a, o)           mc_remove_name_at(MC_HERE, a, o)
#define mc_flush(a, addr, len)         mc_flush_at(MC_HERE, a, addr, len)
#define mc_dirty_kb(a, addr)           mc_dirty_kb_at(MC_HERE, a, addr)
#define mc_create_map(a, o)            mc_create_map_at(MC_HERE, a, o)
#define mc_open_map(a, o)              mc_open_map_at(MC_HERE, a, o)
#define mc_write_text(a, addr, text)   mc_write_text_at(MC_HERE, a, addr, text)
#define mc_fill(a, addr, len, seed)    mc_fill_at(MC_HERE, a, addr, len, seed)
#define mc_checksum(a, addr, len)      mc_checksum_at(MC_HERE, a, addr, len)
#define mc_exit(a)                     mc_exit_at(MC_HERE, a)
#define mc_kill(a)                     mc_kill_at(MC_HERE, a)
#define mc_accounting(a, figure)       mc_accounting_at(MC_HERE, a, figure)
#define mc_free_address(agents, n, len) mc_free_address_at(MC_HERE, agents, n, len)

/* Requests that only make sense as a check's subject. */
#define mc_try_create(a, o) \
	mc_try(a, "create backend=%s name=%s size=%llu excl=1", (o)->backend, (o)->name, \
	       (unsigned long long)(o)->size)
#define mc_try_open(a, o, access) \
	mc_try(a, "open backend=%s name=%s access=%s", (o)->backend, (o)->name, access)
#define mc_try_map(a, h, length, prot) \
	mc_try(a, "map handle=%s length=%llu prot=%s", (h).id, (unsigned long long)(length), prot)
#define mc_try_map_fixed(a, h, length, at) \
	mc_try(a, "map handle=%s length=%llu at=0x%lx", (h).id, (unsigned long long)(length), \
	       (unsigned long)(at))

/* A text no process can hold by chance: prefix plus random hex (static storage, one per call site use). */
const char *mc_marker(const char *prefix);
/* A random number, for values no process can hold by chance. */
unsigned int mc_random_u32(void);
/* A and B, each with a view of one new object, and a write of A's seen by B: sharing works. */
void mc_share_object_at(MC_WHERE, struct mc_agent *a, struct mc_agent *b);
#define mc_share_object(a, b) mc_share_object_at(MC_HERE, a, b)

/* The page size of the object sizes cases use: the largest common one. */
#define MC_PAGE 4096ULL
/* Windows' allocation granularity: fixed addresses are aligned to it. */
#define MC_GRANULE 0x10000ULL

#endif
