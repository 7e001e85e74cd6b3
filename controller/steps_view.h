/*
 * Views: map an object (anywhere, at a set address, privately), unmap,
 * change a view's access, flush it to its file, and what the system says
 * about a view's pages. Addresses are the agent's numbers.
 */
#ifndef MAPCONF_STEPS_VIEW_H
#define MAPCONF_STEPS_VIEW_H

#include "objects.h"
#include "reply.h"

#include <stdbool.h>
#include <stdint.h>

/* Windows' allocation granularity: fixed addresses are aligned to it. */
#define MC_GRANULE 0x10000ULL

/*
 * How a view is asked for, each option by name, all optional:
 *
 *   mc_map(a, h, MC_PAGE)                             the object's start, readable and writable
 *   mc_map(a, h, MC_PAGE, .offset = MC_PAGE, .prot = "r")
 *   mc_try_map(a, h, MC_GRANULE, .at = addr)          at a set address, for a check to judge
 *
 * A step's plain view names its offset even when it is 0; a try names it
 * when it is not 0. A view at a set address names neither offset nor
 * prot: it is the object's start, readable and writable.
 */
struct mc_map_opts {
	uint64_t offset;
	const char *prot;           /* "rw" (the default) or "r" */
	/*
	 * A set address. The step needs the view there for what the case
	 * checks next (any other address is an ERROR); a try's check compares
	 * the address answered with this one.
	 */
	uintptr_t at;
	bool rounded;               /* with at: SysV's SHM_RND, a misaligned address is rounded down */
	bool private_copy;          /* a private (copy-on-write) view */
	bool executable;            /* Win32: FILE_MAP_EXECUTE too, of an executable section */
};

uintptr_t mc_map_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length, struct mc_map_opts opts);
/* The same, for a check to judge. */
struct mc_reply mc_try_map_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t length,
				 struct mc_map_opts opts);
/* Create (or open) o and map all of it, readable and writable. */
uintptr_t mc_create_map_where(MC_WHERE, struct mc_agent *a, struct mc_object *o);
uintptr_t mc_open_map_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o);
void mc_unmap_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length);
/*
 * Change a view's access (mprotect, VirtualProtect); prot: "rw", "r",
 * "none", or Win32's copy-on-write "copy" (PAGE_WRITECOPY) and "xcopy"
 * (PAGE_EXECUTE_WRITECOPY), which the POSIX agent answers unsupported.
 */
void mc_protect_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, const char *prot);
/* The same, for a check to judge (a change the view's rights do not allow is refused). */
struct mc_reply mc_try_protect_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, const char *prot);
/* Win32: commit the reserved pages of the range, in a view of a SEC_RESERVE section (VirtualAlloc MEM_COMMIT). */
void mc_commit_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length);
/* A synchronous flush of the range to its file (msync MS_SYNC). */
void mc_flush_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length);
/* A flush in that mode ("sync", "async", or "both", which is invalid), for a check to judge. */
struct mc_reply mc_try_flush_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length,
				   const char *mode);
/* The answer "ok kb=N": kB of the view at addr that are dirty (not yet written back to the file). */
struct mc_reply mc_dirty_kb_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
/* Win32: what VirtualQuery reports for the region holding addr (fields state=, type=, protect=). */
struct mc_reply mc_query_where(MC_WHERE, struct mc_agent *a, uintptr_t addr);
/* An address where a range of length is free in every one of the n agents. */
/*
 * The alignment a view at a set address needs from agent a: Windows' 64 KiB
 * allocation granularity, or SysV's SHMLBA where that is larger (MIPS:
 * 256 KiB, for its cache), as a's ready line says.
 */
uint64_t mc_view_granule(struct mc_agent *a);
uintptr_t mc_free_address_where(MC_WHERE, struct mc_agent **agents, int n, uint64_t length);

#define mc_map(a, h, len, ...)     mc_map_where(MC_HERE, a, h, len, (struct mc_map_opts){ __VA_ARGS__ })
#define mc_try_map(a, h, len, ...) mc_try_map_where(MC_HERE, a, h, len, (struct mc_map_opts){ __VA_ARGS__ })
#define mc_create_map(a, o)                     mc_create_map_where(MC_HERE, a, o)
#define mc_open_map(a, o)                       mc_open_map_where(MC_HERE, a, o)
#define mc_unmap(a, addr, len)                  mc_unmap_where(MC_HERE, a, addr, len)
#define mc_protect(a, addr, len, prot)          mc_protect_where(MC_HERE, a, addr, len, prot)
#define mc_try_protect(a, addr, len, prot)      mc_try_protect_where(MC_HERE, a, addr, len, prot)
#define mc_commit(a, addr, len)                 mc_commit_where(MC_HERE, a, addr, len)
#define mc_flush(a, addr, len)                  mc_flush_where(MC_HERE, a, addr, len)
#define mc_try_flush(a, addr, len, mode)        mc_try_flush_where(MC_HERE, a, addr, len, mode)
#define mc_dirty_kb(a, addr)                    mc_dirty_kb_where(MC_HERE, a, addr)
#define mc_query(a, addr)                       mc_query_where(MC_HERE, a, addr)
#define mc_free_address(agents, n, len)         mc_free_address_where(MC_HERE, agents, n, len)

#endif
