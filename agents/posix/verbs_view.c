/*
 * Views: map, unmap, and whether a range is free; reserving a free range,
 * changing a view's access and flushing it, for the verbs every agent
 * shares (agents/common/verbs_range.c).
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/shm.h>

/*
 * Windows' allocation granularity, used everywhere to keep cases portable;
 * or SysV's SHMLBA where that is larger (MIPS: 256 KiB), so that a free
 * range found here can take an attach at its start (mc_view_granule).
 */
#define ALIGNMENT ((unsigned long)SHMLBA > 0x10000UL ? (unsigned long)SHMLBA : 0x10000UL)

static const int prot_bits[] = {
	[ACCESS_READ_WRITE] = PROT_READ | PROT_WRITE, [ACCESS_READ] = PROT_READ, [ACCESS_NONE] = PROT_NONE,
};

static int parse_prot(const char *text, int *prot)
{
	enum access access;

	if (parse_access(text, &access))
		return -1;
	*prot = prot_bits[access];
	return 0;
}

/*
 * map handle= length= [offset=0] [at=ADDR] [prot=rw|r|none] [private=0|1] [rnd=1 (SysV)]
 * With at=, the view is requested with MAP_FIXED_NOREPLACE. The answer is
 * the address the system returned, whatever it is: whether it equals the
 * requested one is for the case to judge (a kernel that ignores the flag
 * treats it as a hint and returns another address).
 */
/*
 * A SysV segment is attached whole (no offset, no private copy); with at=
 * it is attached exactly there, or with rnd=1 at at rounded down to SHMLBA.
 */
static void map_sysv(int shmid, const struct mc_line *req, int prot)
{
	uint64_t offset = 0, private = 0, rnd = 0;
	uintptr_t at = 0;
	void *addr;

	mc_line_get_u64(req, "offset", &offset);
	mc_line_get_u64(req, "private", &private);
	mc_line_get_u64(req, "rnd", &rnd);
	if (private || prot == PROT_NONE) {
		answer_err("unsupported", "none", "detail=sysv_has_no_private_or_inaccessible_attach");
		return;
	}
	if (offset) {
		answer_err("invalid_argument", "EINVAL", "detail=sysv_attaches_whole_segments");
		return;
	}
	if (mc_line_get(req, "at") && need_addr(req, "at", &at))
		return;
	addr = shmat(shmid, (void *)at, (prot == PROT_READ ? SHM_RDONLY : 0) | (rnd ? SHM_RND : 0));
	if (addr == (void *)-1) {
		answer_errno(errno);
		return;
	}
	attach_add((uintptr_t)addr);
	answer_ok("addr=0x%lx", (unsigned long)(uintptr_t)addr);
}

static void verb_map(const struct mc_line *req)
{
	int fd;
	int shmid = handle_sysv(mc_line_get(req, "handle"));
	uint64_t length, offset = 0, private = 0;
	uintptr_t at = 0;
	int prot, flags;
	void *addr;

	if (need_u64(req, "length", &length))
		return;
	if (handle_region(mc_line_get(req, "handle"))) {
		/* an anon-fork region has one view, made with it */
		answer_ok("addr=0x%lx", (unsigned long)handle_region(mc_line_get(req, "handle")));
		return;
	}
	if (shmid >= 0) {
		if (parse_prot(mc_line_get(req, "prot"), &prot))
			answer_err("invalid_request", "none", "missing_or_bad=prot");
		else
			map_sysv(shmid, req, prot);
		return;
	}
	if ((fd = need_fd(req)) < 0)
		return;
	mc_line_get_u64(req, "offset", &offset);
	mc_line_get_u64(req, "private", &private);
	if (parse_prot(mc_line_get(req, "prot"), &prot)) {
		answer_err("invalid_request", "none", "missing_or_bad=prot");
		return;
	}
	if (mc_line_get(req, "at") && need_addr(req, "at", &at))
		return;
	flags = private ? MAP_PRIVATE : MAP_SHARED;
	if (at)
		flags |= MAP_FIXED_NOREPLACE;
	addr = mmap((void *)at, length, prot, flags, fd, (off_t)offset);
	if (addr == MAP_FAILED) {
		answer_errno(errno);
		return;
	}
	answer_ok("addr=0x%lx", (unsigned long)(uintptr_t)addr);
}

/* unmap addr= length= */
static void verb_unmap(const struct mc_line *req)
{
	uintptr_t addr;
	uint64_t length;

	if (need_addr(req, "addr", &addr) || need_u64(req, "length", &length))
		return;
	if (attach_remove(addr)) {
		if (shmdt((void *)addr))
			answer_errno(errno);
		else
			answer_ok(NULL);
		return;
	}
	if (munmap((void *)addr, length)) {
		answer_errno(errno);
		return;
	}
	answer_ok(NULL);
}

int protect_range(uintptr_t addr, uint64_t length, enum access access)
{
	if (access == ACCESS_WRITE_COPY || access == ACCESS_EXECUTE_WRITE_COPY) {
		/* a view is shared or private from its mmap on: no protection makes it copy-on-write later */
		answer_err("unsupported", "none", "detail=no_copy_on_write_protection");
		return -1;
	}
	if (mprotect((void *)addr, length, prot_bits[access])) {
		answer_errno(errno);
		return -1;
	}
	return 0;
}

/* mode=both is invalid on purpose: it must be refused */
int flush_range(uintptr_t addr, uint64_t length, const char *mode)
{
	int flags = MS_SYNC;

	if (mode && strcmp(mode, "async") == 0)
		flags = MS_ASYNC;
	else if (mode && strcmp(mode, "both") == 0)
		flags = MS_SYNC | MS_ASYNC;
	else if (mode && strcmp(mode, "sync") != 0) {
		answer_err("invalid_request", "none", "missing_or_bad=mode");
		return -1;
	}
	if (msync((void *)addr, length, flags)) {
		answer_errno(errno);
		return -1;
	}
	return 0;
}

/* reserved with room to align, then released */
int find_free_range(uint64_t length, uintptr_t *addr)
{
	void *p = mmap(NULL, length + ALIGNMENT, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		answer_errno(errno);
		return -1;
	}
	munmap(p, length + ALIGNMENT);
	*addr = ((uintptr_t)p + ALIGNMENT - 1) & ~(ALIGNMENT - 1);
	return 0;
}

/* isfree addr= length= : free=1 when no page of the range is mapped */
static void verb_isfree(const struct mc_line *req)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char vec;
	uintptr_t addr;
	uint64_t length;

	if (need_addr(req, "addr", &addr) || need_u64(req, "length", &length))
		return;
	for (uint64_t off = 0; off < length; off += (uint64_t)page) {
		/* an address, so a uintptr_t sum (a 64-bit one would not convert to a 32-bit pointer) */
		uintptr_t at = addr + (uintptr_t)off;

		/* mincore fails with ENOMEM exactly on pages that are not mapped */
		if (mincore((void *)at, (size_t)page, &vec) == 0 || errno != ENOMEM) {
			answer_ok("free=0 mapped=0x%lx", (unsigned long)at);
			return;
		}
	}
	answer_ok("free=1");
}

const struct verb view_verbs[] = {
	{ "map", verb_map },
	{ "unmap", verb_unmap },
	{ "isfree", verb_isfree },
	{ NULL, NULL },
};
