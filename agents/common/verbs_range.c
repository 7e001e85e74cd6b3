/*
 * Address ranges, the same in every agent: finding one that is free,
 * changing the access of a view's range, and flushing it to its file. How
 * the system does each is each agent's (agent_system.h).
 */
#include "agent_common.h"
#include "agent_system.h"

#include <string.h>

int parse_access(const char *text, enum access *access)
{
	if (!text || strcmp(text, "rw") == 0)
		*access = ACCESS_READ_WRITE;
	else if (strcmp(text, "r") == 0)
		*access = ACCESS_READ;
	else if (strcmp(text, "none") == 0)
		*access = ACCESS_NONE;
	else
		return -1;
	return 0;
}

/*
 * findfree length= : an aligned range that is free in this agent right now
 * (reserved, then released), for cases that need a set address.
 */
static void verb_findfree(const struct mc_line *req)
{
	uint64_t length;
	uintptr_t addr;

	if (need_u64(req, "length", &length) || find_free_range(length, &addr))
		return;
	answer_ok("addr=0x%llx", (unsigned long long)addr);
}

/* The access a protection change asks for: a view's, or copy-on-write (copy, xcopy). */
static int parse_protection(const char *text, enum access *access)
{
	if (text && strcmp(text, "copy") == 0)
		*access = ACCESS_WRITE_COPY;
	else if (text && strcmp(text, "xcopy") == 0)
		*access = ACCESS_EXECUTE_WRITE_COPY;
	else
		return parse_access(text, access);
	return 0;
}

/* protect addr= length= prot=rw|r|none|copy|xcopy : change a view's access */
static void verb_protect(const struct mc_line *req)
{
	enum access access;
	uintptr_t addr;
	uint64_t length;

	if (need_addr(req, "addr", &addr) || need_u64(req, "length", &length))
		return;
	if (parse_protection(mc_line_get(req, "prot"), &access)) {
		answer_err("invalid_request", "none", "missing_or_bad=prot");
		return;
	}
	if (protect_range(addr, length, access) == 0)
		answer_ok(NULL);
}

/* flush addr= length= [mode=...] : the range written back to its object (the modes: each agent's) */
static void verb_flush(const struct mc_line *req)
{
	uintptr_t addr;
	uint64_t length;

	if (need_addr(req, "addr", &addr) || need_u64(req, "length", &length))
		return;
	if (flush_range(addr, length, mc_line_get(req, "mode")) == 0)
		answer_ok(NULL);
}

const struct verb range_verbs[] = {
	{ "findfree", verb_findfree },
	{ "protect", verb_protect },
	{ "flush", verb_flush },
	{ NULL, NULL },
};
