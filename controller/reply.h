/*
 * Reading an agent's answers: their fields, the handle a create or open
 * answered with, and the numbers an agent announced itself with. A field
 * that is missing or malformed ends the case as ERROR: the agent broke the
 * protocol, the platform did nothing wrong.
 */
#ifndef MAPCONF_REPLY_H
#define MAPCONF_REPLY_H

#include "agent_client.h"
#include "case_end.h"

#include <stdint.h>

/* An agent-side name of an object ("h1"). */
struct mc_handle {
	char id[16];
};

const char *mc_field_where(MC_WHERE, const struct mc_reply *r, const char *key);
uint64_t mc_field_u64_where(MC_WHERE, const struct mc_reply *r, const char *key);
/* The handle a successful create or open answered with. */
struct mc_handle mc_handle_of_where(MC_WHERE, const struct mc_reply *r);
/* A number from the agent's "ready" line: its own pid= (a Windows process id, under Win32), ... */
uint64_t mc_announced_u64_where(MC_WHERE, struct mc_agent *a, const char *key);

#define mc_field(r, key)         mc_field_where(MC_HERE, r, key)
#define mc_field_u64(r, key)     mc_field_u64_where(MC_HERE, r, key)
#define mc_handle_of(r)          mc_handle_of_where(MC_HERE, r)
#define mc_announced_u64(a, key) mc_announced_u64_where(MC_HERE, a, key)

#endif
