/*
 * Views: map, unmap, commit (the reserved pages of a SEC_RESERVE section's
 * view), and what VirtualQuery says of a range; reserving a free range,
 * changing a view's access and flushing it, for the verbs every agent
 * shares (agents/common/verbs_range.c).
 */
#include "agent.h"
#include "faults.h"

#include <stdio.h>
#include <string.h>

/* fault fixed-replaces: whatever views lie in [at, at + length) go first, as MAP_FIXED would have them */
static void unmap_views_in(uintptr_t at, uint64_t length)
{
	MEMORY_BASIC_INFORMATION info;

	for (uintptr_t p = at; p < at + length && VirtualQuery((void *)p, &info, sizeof(info));
	     p = (uintptr_t)info.BaseAddress + info.RegionSize)
		if (info.Type == MEM_MAPPED)
			UnmapViewOfFile(info.AllocationBase);
}

/*
 * Fault views-snapshot: the view is a copy of what the section held when it
 * was mapped, in memory of the process's own; later writes, by WriteFile or
 * through other views, do not reach it.
 */
static void *snapshot_of(void *view, uint64_t length)
{
	MEMORY_BASIC_INFORMATION info;
	SIZE_T size = length ? (SIZE_T)length : (VirtualQuery(view, &info, sizeof(info)) ? info.RegionSize : 0);
	void *copy = size ? VirtualAlloc(NULL, size, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE) : NULL;

	if (copy)
		memcpy(copy, view, size);
	UnmapViewOfFile(view);
	return copy;
}

/*
 * Fault read-view-writable-underneath: a read-only view is made as a
 * writable one (FILE_MAP_WRITE) whose pages are then protected read-only,
 * as a layer that has one kind of view would make it: a write faults
 * (ISO-003 holds), but VirtualProtect can raise it to PAGE_READWRITE.
 */
static void protect_read_only(void *view, uint64_t length)
{
	MEMORY_BASIC_INFORMATION info;
	SIZE_T size = length ? (SIZE_T)length : (VirtualQuery(view, &info, sizeof(info)) ? info.RegionSize : 0);
	DWORD old;

	VirtualProtect(view, size, PAGE_READONLY, &old);
}

/*
 * Fault names-persist: each view takes a handle to its section that the
 * process never closes, as a layer with the POSIX rule (a name lives until
 * it is removed) would keep a name once it was used: the name outlives
 * every handle the process closed and every view it unmapped, while the
 * process lives.
 */
static void pin_name(HANDLE section)
{
	HANDLE pinned;

	DuplicateHandle(GetCurrentProcess(), section, GetCurrentProcess(), &pinned, 0, FALSE, DUPLICATE_SAME_ACCESS);
}

/* The view's slot, and the faults that act on a view once it is made. */
static void view_made(uintptr_t addr, struct object *o, uint64_t offset, DWORD access)
{
	view_add(addr, o, offset, (access & ~FILE_MAP_EXECUTE) == FILE_MAP_COPY);
	if (fault_is("names-persist"))
		pin_name(o->section);
}

/*
 * map handle= length= [offset=0] [at=ADDR] [prot=rw|r] [private=1] [exec=1]
 * MapViewOfFileEx with FILE_MAP_WRITE (rw), FILE_MAP_READ (r) or
 * FILE_MAP_COPY (private=1), and FILE_MAP_EXECUTE (exec=1), at ADDR when
 * given. The answer is the address the system returned: whether it equals
 * the requested one is for the case to judge. A length of 0 keeps its Win32
 * meaning: the whole section.
 */
static void verb_map(const struct mc_line *req)
{
	const char *prot = mc_line_get(req, "prot");
	struct object *o;
	uint64_t length, offset = 0, private = 0, exec = 0;
	uintptr_t at = 0;
	DWORD access;
	void *addr;

	if (need_u64(req, "length", &length) || !(o = need_object(req)))
		return;
	mc_line_get_u64(req, "offset", &offset);
	mc_line_get_u64(req, "private", &private);
	mc_line_get_u64(req, "exec", &exec);
	if (mc_line_get(req, "at") && need_addr(req, "at", &at))
		return;
	if (!prot || strcmp(prot, "rw") == 0) {
		access = private ? FILE_MAP_COPY : FILE_MAP_WRITE;
		if (fault_is("shared-is-private"))
			access = FILE_MAP_COPY;
		if (fault_is("private-is-shared") || fault_is("no-copy-on-write"))
			access = FILE_MAP_WRITE;
	} else if (strcmp(prot, "r") == 0) {
		access = FILE_MAP_READ;
		if (fault_is("readonly-is-writable") || fault_is("read-view-writable-underneath"))
			access = FILE_MAP_WRITE;
	} else if (strcmp(prot, "none") == 0) {
		answer_err("unsupported", "none", "detail=a_view_has_no_inaccessible_mode");
		return;
	} else {
		answer_err("invalid_request", "none", "missing_or_bad=prot");
		return;
	}
	if (exec)
		access |= FILE_MAP_EXECUTE;
	bool copied = fault_copies_file_views() && access == FILE_MAP_WRITE && o->file != INVALID_HANDLE_VALUE;

	if (copied)
		access = FILE_MAP_COPY;
	if (fault_is("fixed-ignored"))
		at = 0;
	if (fault_is("fixed-replaces") && at)
		unmap_views_in(at, length ? length : 1);
	if (fault_is("offset-rounded"))
		offset &= ~(uint64_t)0xffff;
	if (fault_is("offset-ignored"))
		offset = 0;
	if (fault_is("offset-wraps-32"))
		offset = (uint32_t)offset;
	/*
	 * fault: a page-aligned offset between granules is taken, as a layer
	 * that accepts page-aligned offsets would: the view starts at the granule
	 * below, and the answer points the remainder into it
	 */
	if (fault_is("offset-granule-page") && offset % 0x10000 && offset % 4096 == 0 && !at) {
		uint64_t below = offset % 0x10000;

		addr = MapViewOfFileEx(o->section, access, (DWORD)((offset - below) >> 32), (DWORD)(offset - below),
				       length ? (SIZE_T)(length + below) : 0, NULL);
		if (addr) {
			view_made((uintptr_t)addr, o, offset - below, access);
			answer_ok("addr=0x%llx", (unsigned long long)((uintptr_t)addr + below));
			return;
		}
	}
	SetLastError(0);
	addr = MapViewOfFileEx(o->section, access, (DWORD)(offset >> 32), (DWORD)offset, (SIZE_T)length,
			       (void *)at);
	/* fault: a view the section is too small for becomes a view of the whole section */
	if (!addr && length && fault_is("long-view-whole-section"))
		addr = MapViewOfFileEx(o->section, access, (DWORD)(offset >> 32), (DWORD)offset, 0, (void *)at);
	if (addr && fault_is("read-view-writable-underneath") && prot && strcmp(prot, "r") == 0)
		protect_read_only(addr, length);
	if (addr && fault_is("addresses-a-page-off"))
		addr = (char *)addr + 4096;
	if (addr && fault_is("views-snapshot"))
		addr = snapshot_of(addr, length);
	if (!addr) {
		answer_win32(GetLastError());
		return;
	}
	if (copied)
		fault_remember_copy(addr, offset, o->file);
	view_made((uintptr_t)addr, o, offset, access);
	answer_ok("addr=0x%llx", (unsigned long long)(uintptr_t)addr);
}

static bool is_writable(DWORD protection)
{
	return protection == PAGE_READWRITE || protection == PAGE_EXECUTE_READWRITE;
}

/*
 * Fault unmap-discards-pages: a view's shared pages are zeroed as it goes,
 * as a layer whose pages live while a view does, not while a handle does,
 * would lose them.
 */
static void discard_pages(uintptr_t addr)
{
	const struct view *v = view_holding(addr);
	MEMORY_BASIC_INFORMATION info;

	if (!v || v->private)
		return;
	for (char *p = (char *)v->addr; VirtualQuery(p, &info, sizeof(info)) && info.AllocationBase == (void *)v->addr;
	     p += info.RegionSize)
		if (info.State == MEM_COMMIT && is_writable(info.Protect & 0xff))
			memset(p, 0, info.RegionSize);
}

/* unmap addr= [length=] : UnmapViewOfFile (a view goes whole; length is not used) */
static void verb_unmap(const struct mc_line *req)
{
	uintptr_t addr;

	if (need_addr(req, "addr", &addr))
		return;
	if (fault_is("unmap-discards-pages"))
		discard_pages(addr);
	if (!fault_is("unmap-noop") && !UnmapViewOfFile((void *)addr)) {
		answer_win32(GetLastError());
		return;
	}
	view_remove(addr);
	fault_forget_copy(addr);
	answer_ok(NULL);
}

/* The size of the whole view (or allocation) that holds addr, from VirtualQuery. */
static SIZE_T allocation_size(void *addr, void **base)
{
	MEMORY_BASIC_INFORMATION info;
	SIZE_T size = 0;

	if (!VirtualQuery(addr, &info, sizeof(info)))
		return 0;
	*base = info.AllocationBase;
	for (char *p = info.AllocationBase; VirtualQuery(p, &info, sizeof(info)) && info.AllocationBase == *base;
	     p += info.RegionSize)
		size += info.RegionSize;
	return size;
}

/*
 * Fault commit-private: the commit makes private pages in place of the view
 * that holds addr, as a layer that commits in the process rather than in the
 * section would, so what is written there reaches no other view.
 */
static bool commit_privately(void *addr)
{
	void *base = NULL;
	SIZE_T size = allocation_size(addr, &base);

	return size && UnmapViewOfFile(base) &&
	       VirtualAlloc(base, size, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE) == base;
}

/*
 * commit addr= length= : VirtualAlloc(MEM_COMMIT, PAGE_READWRITE) of the
 * range, in a view of a SEC_RESERVE section (whose pages are reserved until
 * committed). Microsoft documents that committed pages of such a section
 * cannot be decommitted: the commit belongs to the section.
 */
static void verb_commit(const struct mc_line *req)
{
	uintptr_t addr;
	uint64_t length;

	if (need_addr(req, "addr", &addr) || need_u64(req, "length", &length))
		return;
	if (fault_is("commit-private") ? !commit_privately((void *)addr)
				       : !VirtualAlloc((void *)addr, (SIZE_T)length, MEM_COMMIT, PAGE_READWRITE))
		answer_win32(GetLastError());
	else
		answer_ok(NULL);
}

static const DWORD protections[] = {
	[ACCESS_READ_WRITE] = PAGE_READWRITE, [ACCESS_READ] = PAGE_READONLY, [ACCESS_NONE] = PAGE_NOACCESS,
	[ACCESS_WRITE_COPY] = PAGE_WRITECOPY, [ACCESS_EXECUTE_WRITE_COPY] = PAGE_EXECUTE_WRITECOPY,
};

/*
 * Fault reprotect-rereads-section: before the protection of a copy-on-write
 * view's range changes, its pages are read again from the section, as a
 * layer that makes a protection change by mapping the range anew would
 * have them: a page's private copy is lost.
 */
static void reread_from_section(uintptr_t addr, uint64_t length)
{
	const struct view *v = view_holding(addr);
	MEMORY_BASIC_INFORMATION info;
	uint64_t at, below;
	char *section;

	/* a page written already may be reported PAGE_WRITECOPY still (WIN-011 under Wine): either can take the copy */
	if (!v || !v->private || !VirtualQuery((void *)addr, &info, sizeof(info)) ||
	    !(is_writable(info.Protect & 0xff) || (info.Protect & 0xff) == PAGE_WRITECOPY))
		return;
	at = v->offset + (addr - v->addr);
	below = at % 0x10000;
	section = MapViewOfFile(v->section, FILE_MAP_READ, (DWORD)((at - below) >> 32), (DWORD)(at - below),
				(SIZE_T)(below + length));
	if (!section)
		return;
	memcpy((void *)addr, section + below, (size_t)length);
	UnmapViewOfFile(section);
}

/*
 * Fault copy-view-raised-shared: a copy-on-write view asked to become
 * PAGE_READWRITE is mapped again in place as a FILE_MAP_WRITE view, as a
 * layer that makes a protection change by mapping the range anew, with the
 * rights its handle has, would do: the call succeeds, and writes reach the
 * section.
 */
static void raise_copy_view_to_shared(uintptr_t addr)
{
	const struct view *v = view_holding(addr);
	void *base = NULL;
	SIZE_T size;

	if (!v || !v->private || !(size = allocation_size((void *)v->addr, &base)))
		return;
	UnmapViewOfFile(base);
	MapViewOfFileEx(v->section, FILE_MAP_WRITE, (DWORD)(v->offset >> 32), (DWORD)v->offset, size, base);
}

/* VirtualProtect */
int protect_range(uintptr_t addr, uint64_t length, enum access access)
{
	DWORD old, protection = protections[access];

	/*
	 * fault no-copy-on-write: copy-on-write asked for is made writable, as
	 * a layer that has no copy-on-write would (its FILE_MAP_COPY views are
	 * FILE_MAP_WRITE ones too: verb_map)
	 */
	if (fault_is("no-copy-on-write") && access == ACCESS_WRITE_COPY)
		protection = PAGE_READWRITE;
	if (fault_is("no-copy-on-write") && access == ACCESS_EXECUTE_WRITE_COPY)
		protection = PAGE_EXECUTE_READWRITE;
	if (fault_is("reprotect-rereads-section"))
		reread_from_section(addr, length);
	if (fault_is("copy-view-raised-shared") && access == ACCESS_READ_WRITE)
		raise_copy_view_to_shared(addr);
	if (!fault_is("protect-noop") && !VirtualProtect((void *)addr, (SIZE_T)length, protection, &old)) {
		answer_win32(GetLastError());
		return -1;
	}
	return 0;
}

/*
 * FlushViewOfFile; sync also FlushFileBuffers on the file behind the view,
 * as Microsoft documents for a flush that must reach the disk.
 */
int flush_range(uintptr_t addr, uint64_t length, const char *mode)
{
	HANDLE file;

	if (mode && strcmp(mode, "sync") != 0 && strcmp(mode, "async") != 0) {
		answer_err("unsupported", "none", "detail=flush_modes_are_sync_and_async");
		return -1;
	}
	if (fault_copies_file_views())
		fault_write_back_copy(addr, length);
	if (!FlushViewOfFile((void *)addr, (SIZE_T)length)) {
		answer_win32(GetLastError());
		return -1;
	}
	file = view_file(addr);
	if ((!mode || strcmp(mode, "sync") == 0) && file != INVALID_HANDLE_VALUE && !FlushFileBuffers(file)) {
		answer_win32(GetLastError());
		return -1;
	}
	return 0;
}

/*
 * Aligned to the allocation granularity, as every reservation is; reserved
 * top-down: high in the address space, where agents with different layouts
 * agree most.
 */
int find_free_range(uint64_t length, uintptr_t *addr)
{
	void *p = VirtualAlloc(NULL, (SIZE_T)length, MEM_RESERVE | MEM_TOP_DOWN, PAGE_NOACCESS);

	if (!p) {
		answer_win32(GetLastError());
		return -1;
	}
	VirtualFree(p, 0, MEM_RELEASE);
	*addr = (uintptr_t)p;
	return 0;
}

static const char *state_name(DWORD state)
{
	return state == MEM_FREE ? "MEM_FREE" : state == MEM_RESERVE ? "MEM_RESERVE" : "MEM_COMMIT";
}

/* isfree addr= length= : free=1 when VirtualQuery reports every byte of the range MEM_FREE */
static void verb_isfree(const struct mc_line *req)
{
	MEMORY_BASIC_INFORMATION info;
	uintptr_t addr, at;
	uint64_t length;

	if (need_addr(req, "addr", &addr) || need_u64(req, "length", &length))
		return;
	for (at = addr; at < addr + length; at = (uintptr_t)info.BaseAddress + info.RegionSize) {
		if (!VirtualQuery((void *)at, &info, sizeof(info))) {
			answer_win32(GetLastError());
			return;
		}
		if (info.State != MEM_FREE) {
			answer_ok("free=0 mapped=0x%llx state=%s", (unsigned long long)at, state_name(info.State));
			return;
		}
	}
	answer_ok("free=1 state=MEM_FREE");
}

static const char *type_name(DWORD type)
{
	switch (type) {
	case MEM_MAPPED:
		return "MEM_MAPPED";
	case MEM_PRIVATE:
		return "MEM_PRIVATE";
	case MEM_IMAGE:
		return "MEM_IMAGE";
	default:
		return "none";
	}
}

static const char *protection_name(DWORD protection)
{
	static char other[32];

	switch (protection & 0xff) {
	case 0:
		return "none";
	case PAGE_NOACCESS:
		return "PAGE_NOACCESS";
	case PAGE_READONLY:
		return "PAGE_READONLY";
	case PAGE_READWRITE:
		return "PAGE_READWRITE";
	case PAGE_WRITECOPY:
		return "PAGE_WRITECOPY";
	case PAGE_EXECUTE_READ:
		return "PAGE_EXECUTE_READ";
	case PAGE_EXECUTE_READWRITE:
		return "PAGE_EXECUTE_READWRITE";
	case PAGE_EXECUTE_WRITECOPY:
		return "PAGE_EXECUTE_WRITECOPY";
	}
	snprintf(other, sizeof(other), "0x%lx", (unsigned long)protection);
	return other;
}

/* query addr= : what VirtualQuery reports for the region holding addr */
static void verb_query(const struct mc_line *req)
{
	MEMORY_BASIC_INFORMATION info;
	uintptr_t addr;

	if (need_addr(req, "addr", &addr))
		return;
	if (!VirtualQuery((void *)addr, &info, sizeof(info))) {
		answer_win32(GetLastError());
		return;
	}
	answer_ok("state=%s type=%s protect=%s base=0x%llx size=%llu", state_name(info.State),
		  type_name(info.Type), protection_name(info.Protect),
		  (unsigned long long)(uintptr_t)info.BaseAddress, (unsigned long long)info.RegionSize);
}

const struct verb view_verbs[] = {
	{ "query", verb_query },
	{ "map", verb_map },
	{ "unmap", verb_unmap },
	{ "commit", verb_commit },
	{ "isfree", verb_isfree },
	{ NULL, NULL },
};
