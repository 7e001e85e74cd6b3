/*
 * The Win32 model's own rules: what CreateFileMapping, OpenFileMapping,
 * MapViewOfFile(Ex) and their neighbours promise beyond the rules every
 * backend shares (which the other case files check on Win32 too). Each
 * case states a behaviour Microsoft documents; the spec table names the
 * clause it serves and records where a platform differs.
 */
#include "mapconf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * WIN-001: Creating a name that exists (not exclusively) returns a handle to
 * that object, with ERROR_ALREADY_EXISTS.
 */
static void create_of_existing_name_opens_it(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "the creator's data");
	struct mc_reply r = mc_try_create(b, obj, .open_existing = 1, .size = MC_PAGE);
	mc_check_ok("non-exclusive-create-succeeds", &r, "B creates, not exclusively, the name A created");
	mc_check_compare("existed-reported", mc_answered(&r, "existed"), "==", mc_number(1));
	mc_check_reads("b-reads-creator-data", b, mc_map(b, mc_handle_of(&r), MC_PAGE),
		       "the creator's data");
}

/*
 * WIN-002: Creating a name that exists with a larger size gets the object at
 * its own size: a view of the larger size is refused.
 */
static void create_of_existing_name_keeps_its_size(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_create(a, obj);
	struct mc_handle h = mc_create(b, obj, .open_existing = 1, .size = 2 * MC_GRANULE);
	struct mc_reply view = mc_try_map(b, h, 2 * MC_GRANULE);
	mc_check_answer("larger-view-refused", &view, "err",
			"B maps two granules of A's one-granule object after asking to create it that large");
}

/*
 * WIN-003: A section cannot take the name of a mutex: sections and mutexes
 * share one namespace (ERROR_INVALID_HANDLE).
 */
static void name_of_a_mutex_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_mutex_create(a, obj);
	struct mc_reply r = mc_try_create(b, obj);
	mc_check_error("name-of-mutex-refused", &r, "bad_handle",
		       "B creates a section under the name of A's mutex");
}

/*
 * WIN-004: A section name with a backslash (other than a Global\ or Local\
 * prefix) is refused.
 */
static void name_with_backslash_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	strcat(obj->name, "\\inner");
	struct mc_reply r = mc_try_create(a, obj);
	mc_check_answer("backslash-name-refused", &r, "err", "A creates a section whose name has a backslash");
}

/*
 * WIN-005: A section of size 0 is refused (invalid_argument; for an empty file,
 * ERROR_FILE_INVALID).
 */
static void section_of_size_zero_is_refused(void)
{
	struct mc_object *obj = mc_object_new(0);
	struct mc_agent *a = mc_agent_start("A");

	struct mc_reply r = mc_try_create(a, obj);
	mc_check_error("zero-size-refused", &r, "invalid_argument", "A creates a section of size 0");
}

/*
 * WIN-006: Views are placed at multiples of the allocation granularity (64
 * KiB).
 */
static void views_are_granule_aligned(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);

	for (int i = 0; i < 4; i++) {
		uintptr_t view = mc_map(a, h, MC_PAGE, .prot = i % 2 ? "r" : "rw");

		mc_check_compare("view-on-granule", mc_address(view), "multiple-of", mc_number(MC_GRANULE),
				 "address of A's view");
	}
}

/*
 * WIN-007: A view requested at a page-aligned address that is not a multiple of
 * 64 KiB is refused (invalid_argument).
 */
static void base_between_granules_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t at = mc_free_address(&a, 1, 2 * MC_GRANULE) + MC_PAGE;

	struct mc_reply r = mc_try_map(a, mc_create(a, obj), MC_GRANULE, .at = at);
	mc_check_error("off-granule-view-refused", &r, "invalid_argument",
		       "A asks for a view at a page that is not on a 64 KiB boundary");
}

/* WIN-008: A view larger than its section is refused. */
static void view_larger_than_section_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A");

	struct mc_reply r = mc_try_map(a, mc_create(a, obj), 2 * MC_GRANULE);
	mc_check_answer("view-past-section-refused", &r, "err", "A maps two granules of a one-granule section");
}

/*
 * WIN-009: A file with a section open cannot be shrunk (SetEndOfFile fails with
 * ERROR_USER_MAPPED_FILE).
 */
static void mapped_file_cannot_shrink(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);

	mc_map(a, h, 2 * MC_GRANULE);
	struct mc_reply r = mc_try_resize(a, h, MC_GRANULE);
	mc_check_error("shrink-under-view-refused", &r, "busy", "A shrinks the file behind its view");
}

/*
 * WIN-010: A section larger than its file extends the file to the section's
 * size.
 */
static void section_extends_its_file(void)
{
	struct mc_object *obj = mc_object_new(3 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	struct mc_reply r = mc_stat(a, mc_create(a, obj));
	mc_check_compare("file-grown-to-section", mc_answered(&r, "size"), "==", mc_number(3 * MC_PAGE));
}

/*
 * WIN-011: After a write through a copy-on-write view (FILE_MAP_COPY),
 * VirtualQuery reports the written page PAGE_READWRITE.
 */
static void written_copy_on_write_page_is_read_write(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t view = mc_map(a, mc_create(a, obj), 2 * MC_PAGE, .private_copy = 1);

	struct mc_reply before = mc_query(a, view);
	mc_check_answer("copy-on-write-before-write", &before, "ok protect=PAGE_WRITECOPY",
			"VirtualQuery of A's untouched copy-on-write view");
	mc_write_text(a, view, "a private copy");
	struct mc_reply after = mc_query(a, view);
	mc_check_answer("read-write-after-write", &after, "ok protect=PAGE_READWRITE",
			"VirtualQuery of the page A wrote through its copy-on-write view");
}

/*
 * WIN-012: After the last handle to a section is closed, its name is gone,
 * while an existing view still reads.
 */
static void name_goes_with_last_handle(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t va = mc_map(a, h, MC_PAGE);

	mc_write_text(a, va, "kept by the view");
	mc_close(a, h);
	struct mc_reply r = mc_try_open(b, obj, "rw");
	mc_check_error("name-gone-after-last-close", &r, "not_found",
		       "B opens the name whose last handle A closed");
	mc_check_reads("view-keeps-data", a, va, "kept by the view");
}

/*
 * WIN-013: When the only holder of a section is killed, its name is gone.
 *
 * The name is gone once the holder's process has ended the way Windows says it:
 * the process object is signaled; the Unix process ending first proves nothing
 * about the handles.
 */
static void name_goes_when_last_holder_killed(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uint64_t pid_a = mc_announced_u64(a, "pid");

	mc_create_map(a, obj);
	mc_close(b, mc_open(b, obj, "rw"));   /* the name works while A holds it */
	mc_watch_process(b, pid_a);
	mc_kill(a);
	mc_await_exit(b, pid_a);
	struct mc_reply r = mc_try_open(b, obj, "rw");
	mc_check_error("name-gone-after-kill", &r, "not_found",
		       "B opens the name of a section whose only holder was killed");
}

/*
 * WIN-014: VirtualQuery reports a view as MEM_MAPPED, and its range MEM_FREE
 * after unmap.
 */
static void range_is_free_after_unmap(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	struct mc_reply mapped = mc_query(a, va);
	mc_check_answer("view-is-mapped", &mapped, "ok type=MEM_MAPPED", "VirtualQuery of A's view");
	mc_unmap(a, va, MC_PAGE);
	struct mc_reply r = mc_query(a, va);
	mc_check_answer("range-free-after-unmap", &r, "ok state=MEM_FREE", "VirtualQuery after A unmapped its view");
}

/*
 * WIN-015: While two agents share an object, HeapAlloc memory of one is not
 * reachable by the other at its address.
 */
static void heapalloc_is_private(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	mc_check_allocation_private("heapalloc-unreachable", a, b, "heapalloc", 64);
}

/*
 * WIN-016: While two agents share an object, GlobalAlloc memory of one is not
 * reachable by the other at its address.
 */
static void globalalloc_is_private(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	mc_check_allocation_private("globalalloc-unreachable", a, b, "globalalloc", 64);
}

/*
 * WIN-017: While two agents share an object, LocalAlloc memory of one is not
 * reachable by the other at its address.
 */
static void localalloc_is_private(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_share_object(a, b);
	mc_check_allocation_private("localalloc-unreachable", a, b, "localalloc", 64);
}

/*
 * WIN-018: A DLL global in a section the DLL marks shared is one variable in
 * every process that loads the DLL (the documented exception to C2).
 */
static void dll_shared_section_is_shared(void)
{
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	/* random, so that the value left by an earlier run cannot pass for this one's */
	unsigned int value = mc_random_u32() % 1000000 + 1000;

	mc_lib_load(a);
	mc_lib_load(b);
	mc_lib_set_shared(a, value);
	struct mc_reply seen = mc_lib_shared_global(b);
	mc_check_compare("b-sees-shared-global", mc_answered(&seen, "value"), "==", mc_number(value));
}

/*
 * WIN-019: A named mutex whose owner was killed reports WAIT_ABANDONED to the
 * next waiter, once: the wait after that is WAIT_OBJECT_0.
 */
static void abandoned_mutex_is_reported_once(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj), vb = mc_open_map(b, obj);

	mc_mutex_init(a, va);
	mc_mutex_lock(b, vb);
	mc_kill(b);
	struct mc_reply first = mc_mutex_lock(a, va);
	mc_check_answer("first-wait-abandoned", &first, "ok wait=WAIT_ABANDONED",
			"A's wait for the mutex its killed owner held");
	mc_mutex_unlock(a, va);
	struct mc_reply second = mc_mutex_lock(a, va);
	mc_check_answer("second-wait-granted", &second, "ok wait=WAIT_OBJECT_0",
			"A's next wait, after it released the mutex");
}

/*
 * WIN-020: A child process that inherited a section handle (CreateProcess,
 * bInheritHandles) maps it and shares its pages with its parent.
 */
static void inherited_handle_shares_pages(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *parent = mc_agent_start("P");
	struct mc_handle h = mc_create(parent, obj);
	uintptr_t vp = mc_map(parent, h, MC_PAGE);
	struct mc_agent *child = mc_spawn(parent, "C", h.id);
	uintptr_t vc = mc_map(child, h, MC_PAGE);

	mc_write_text(parent, vp, "written by the parent");
	mc_check_reads("child-reads-parent-write", child, vc, "written by the parent");
	mc_write_text(child, vc + 100, "written by the child");
	mc_check_reads("parent-reads-child-write", parent, vp + 100, "written by the child");
}

/*
 * WIN-021: A view at an offset that is page-aligned but not a multiple of the
 * allocation granularity (64 KiB) is refused (ERROR_MAPPED_ALIGNMENT).
 */
static void offset_between_granules_is_refused(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A");

	/* a page at offset 4096: page-aligned, as SIZE-005's offset 100 is not, and inside the first granule */
	struct mc_reply r = mc_try_map(a, mc_create(a, obj), MC_PAGE, .offset = MC_PAGE);
	mc_check_answer("page-offset-refused", &r, "err code=invalid_argument name=ERROR_MAPPED_ALIGNMENT",
			"A maps a view at offset 4096, a page into the section's first 64 KiB granule");
}

/*
 * WIN-022: A view of a SEC_RESERVE section is reserved (VirtualQuery:
 * MEM_RESERVE) and faults (access violation) on read and write until its pages
 * are committed with VirtualAlloc(MEM_COMMIT); then the committed pages, and
 * only they, can be written.
 */
static void reserved_view_faults_until_committed(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t view = mc_map(a, mc_create(a, obj, .reserve = 1), MC_GRANULE);

	struct mc_reply state = mc_query(a, view);
	mc_check_answer("view-reserved-before-commit", &state, "ok state=MEM_RESERVE",
			"VirtualQuery of A's new view of a SEC_RESERVE section");
	struct mc_reply read = mc_probe(a, view, "read");
	mc_check_answer("read-faults-before-commit", &read, "ok result=access_violation",
			"A reads the first page of its view of a SEC_RESERVE section before committing it");
	struct mc_reply write = mc_probe(a, view, "write");
	mc_check_answer("write-faults-before-commit", &write, "ok result=access_violation",
			"A writes the first page of its view of a SEC_RESERVE section before committing it");
	mc_commit(a, view, MC_PAGE);
	mc_check_writes("write-works-after-commit", a, view, "in a committed page");
	/* the commit covers the pages asked for, not the whole view */
	struct mc_reply next = mc_probe(a, view + MC_PAGE, "read");
	mc_check_answer("uncommitted-page-still-faults", &next, "ok result=access_violation",
			"A reads the page after the one it committed");
}

/*
 * WIN-023: After one process commits pages of its view of a SEC_RESERVE section
 * and writes there, another process's view of the section reads that write,
 * without committing the pages itself.
 *
 * The reader does not commit: Microsoft documents that the committed pages of
 * such a section cannot be decommitted (VirtualFree), because the commit is the
 * section's, not one view's; Wine's server likewise keeps the committed ranges
 * in the section object, which every process's view consults
 * (dlls/ntdll/unix/virtual.c, add_mapping_committed_range and
 * get_mapping_committed_range). B maps its view before A commits, so that B's
 * view cannot have taken the commit from the section when it was made.
 */
static void committed_pages_are_seen_by_every_view(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_map(a, mc_create(a, obj, .reserve = 1), MC_GRANULE);
	uintptr_t vb = mc_open_map(b, obj);

	mc_commit(a, va, MC_PAGE);
	mc_write_text(a, va, "committed and written by A");
	mc_check_reads("b-reads-committed-write", b, vb, "committed and written by A");
}

/*
 * WIN-024: A SEC_COMMIT | SEC_LARGE_PAGES section (its size a multiple of
 * GetLargePageMinimum()) is refused to a process that has not enabled
 * SeLockMemoryPrivilege (ERROR_PRIVILEGE_NOT_HELD).
 *
 * The agent enables no privilege.
 */
static void large_pages_need_the_privilege(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uint64_t minimum = mc_announced_u64(a, "largepage");   /* GetLargePageMinimum() */

	/* a size the large-page rule accepts, so that only the privilege can refuse it */
	struct mc_reply r = mc_try_create(a, obj, .large_pages = 1, .size = minimum ? minimum : 2 << 20);
	mc_check_answer("large-pages-refused", &r, "err code=access_denied name=ERROR_PRIVILEGE_NOT_HELD",
			"A creates a SEC_COMMIT | SEC_LARGE_PAGES section without SeLockMemoryPrivilege");
}

/*
 * WIN-025: When the only holder of a section is ended by another process with
 * TerminateProcess, its name is gone.
 */
static void name_goes_when_last_holder_terminated(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_create_map(a, obj);
	mc_close(b, mc_open(b, obj, "rw"));   /* the name works while A holds it */
	mc_terminate(b, a);                   /* B answers once A's process object is signaled */
	struct mc_reply r = mc_try_open(b, obj, "rw");
	mc_check_error("name-gone-after-terminate", &r, "not_found",
		       "B opens the name of a section whose only holder B ended with TerminateProcess");
}

/*
 * WIN-026: A section handle duplicated into another process (DuplicateHandle)
 * with only FILE_MAP_READ access cannot make a writable view there
 * (access_denied), while a read-only view through it reads what the owner
 * wrote.
 *
 * The duplicate is how Windows hands an object to a process that could not open
 * its name.
 */
static void duplicated_read_handle_cannot_map_writable(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle h = mc_create(a, obj);
	const char *text = mc_marker("duplicated-read-only");

	mc_write_text(a, mc_map(a, h, MC_PAGE), text);
	struct mc_handle hb = mc_adopt(b, mc_duplicate(a, h, b, "r"));
	struct mc_reply rw = mc_try_map(b, hb, MC_PAGE);
	mc_check_error("duplicate-writable-view-refused", &rw, "access_denied",
		       "B maps for writing the section A duplicated into B's process with FILE_MAP_READ");
	mc_check_reads("duplicate-reads-owner-write", b, mc_map(b, hb, MC_PAGE, .prot = "r"), text);
}

/*
 * WIN-027: CreateFileMapping with PAGE_READWRITE over a file opened for reading
 * only (GENERIC_READ) is refused (access_denied, or invalid_argument on some
 * Windows releases): a section grants no more than its file handle.
 *
 * Microsoft documents that PAGE_READWRITE needs a handle with GENERIC_READ and
 * GENERIC_WRITE, not the error; Windows answers ERROR_ACCESS_DENIED, and some
 * releases ERROR_INVALID_PARAMETER (Wine's conformance tests,
 * dlls/kernel32/tests/virtual.c, accept both).
 */
static void read_write_section_over_read_only_file_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	/* the file, at the section's size, so that only its handle's rights can refuse; the name goes with the handle */
	mc_close(a, mc_create(a, obj));
	struct mc_reply r = mc_try_create(a, obj, .over_read_only_file = "rw");
	mc_check_answer("read-write-section-refused", &r, "err code=access_denied|invalid_argument",
			"A makes a PAGE_READWRITE section over its file opened with GENERIC_READ only");
}

/*
 * WIN-028: A section created PAGE_READONLY over a file opened for reading
 * cannot be mapped with FILE_MAP_WRITE (access_denied: ERROR_ACCESS_DENIED, as
 * current Windows answers), and a FILE_MAP_READ view of it reads the file's
 * bytes.
 */
static void read_only_section_cannot_map_writable(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	const char *text = mc_marker("in-the-read-only-file");

	mc_close(a, mc_create(a, obj));      /* the file, at the section's size */
	mc_pwrite_text(a, obj, 0, text);     /* its bytes, written with WriteFile */
	struct mc_handle h = mc_create(a, obj, .over_read_only_file = "r");
	struct mc_reply rw = mc_try_map(a, h, MC_PAGE);
	mc_check_error("writable-view-refused", &rw, "access_denied",
			"A maps with FILE_MAP_WRITE its PAGE_READONLY section over a file opened for reading");
	mc_check_reads("read-view-reads-file", a, mc_map(a, h, MC_PAGE, .prot = "r"), text);
}

/*
 * WIN-029: A view mapped with FILE_MAP_READ cannot be made writable with
 * VirtualProtect(PAGE_READWRITE) (invalid_argument: ERROR_INVALID_PARAMETER, as
 * current Windows answers), and a write there still faults.
 *
 * The process holds a handle with every right: the view's own rights, not the
 * handle's, bound what VirtualProtect can grant.
 */
static void read_view_cannot_be_raised_to_read_write(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t ro = mc_map(a, h, MC_PAGE, .prot = "r");

	struct mc_reply r = mc_try_protect(a, ro, MC_PAGE, "rw");
	mc_check_error("raise-to-read-write-refused", &r, "invalid_argument",
			"A makes its FILE_MAP_READ view PAGE_READWRITE with VirtualProtect");
	mc_check_faults("write-still-faults", a, ro, "write");
}

/* Two texts of one length, so that reading one back is reading a whole write. */
static void two_markers(char *first, char *second, size_t size)
{
	snprintf(first, size, "%s", mc_marker("section-data"));
	snprintf(second, size, "%s", mc_marker("private-copy"));
}

/*
 * a makes the range of its view at addr copy-on-write with VirtualProtect
 * (prot "copy": PAGE_WRITECOPY; "xcopy": PAGE_EXECUTE_WRITECOPY): the call
 * succeeds, and VirtualQuery reports the protection asked for.
 */
static void make_copy_on_write(struct mc_agent *a, uintptr_t addr, uint64_t length, const char *prot)
{
	struct mc_reply made = mc_try_protect(a, addr, length, prot);

	mc_check_ok("write-copy-accepted", &made, "A makes its view copy-on-write with VirtualProtect");
	struct mc_reply q = mc_query(a, addr);
	mc_check_answer("reported-write-copy", &q,
			strcmp(prot, "xcopy") == 0 ? "ok protect=PAGE_EXECUTE_WRITECOPY" : "ok protect=PAGE_WRITECOPY",
			"VirtualQuery of A's view made copy-on-write");
}

/*
 * WIN-030: A FILE_MAP_WRITE view made PAGE_WRITECOPY with VirtualProtect is
 * reported PAGE_WRITECOPY, and a write through it afterwards goes to a private
 * copy: the writer reads it, another process's view of the section does not.
 */
static void shared_view_made_write_copy_keeps_writes_private(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj), vb = mc_open_map(b, obj);
	char shared[64], private[64];

	two_markers(shared, private, sizeof(shared));
	mc_write_text(b, vb, shared);
	make_copy_on_write(a, va, MC_PAGE, "copy");
	mc_write_text(a, va, private);
	mc_check_reads("writer-reads-own-write", a, va, private);
	mc_check_reads("other-process-view-unchanged", b, vb, shared);
}

/*
 * WIN-031: A page written through a FILE_MAP_WRITE view made PAGE_WRITECOPY
 * with VirtualProtect is not written to the file: after FlushViewOfFile of the
 * view and its unmap, ReadFile reads the file's bytes as they were.
 */
static void write_copy_page_is_not_written_to_file(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);
	char shared[64], private[64];

	two_markers(shared, private, sizeof(shared));
	mc_write_text(a, va, shared);
	mc_flush(a, va, MC_PAGE);   /* the file holds the shared text before the view turns copy-on-write */
	make_copy_on_write(a, va, MC_PAGE, "copy");
	mc_write_text(a, va, private);
	mc_flush(a, va, MC_PAGE);
	mc_unmap(a, va, MC_PAGE);
	mc_check_file_holds("file-unchanged", a, obj, 0, shared);
}

/*
 * What VirtualQuery says of a two-page view after its first page was
 * written: that page a region of its own (one page), the second page
 * PAGE_WRITECOPY. The view is copy-on-write already: mapped FILE_MAP_COPY,
 * or made PAGE_WRITECOPY with VirtualProtect.
 */
static void written_page_is_a_region_of_its_own(bool copy_view)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t view = mc_map(a, h, 2 * MC_PAGE, .private_copy = copy_view);

	if (!copy_view)
		make_copy_on_write(a, view, 2 * MC_PAGE, "copy");
	struct mc_reply whole = mc_query(a, view);
	mc_check_answer("view-reported-write-copy", &whole, "ok protect=PAGE_WRITECOPY size=8192",
			"VirtualQuery of A's two-page copy-on-write view before any write");
	mc_write_text(a, view, "the first page's private copy");
	struct mc_reply written = mc_query(a, view);
	if (!copy_view)
		mc_check_answer("written-page-read-write", &written, "ok protect=PAGE_READWRITE",
				"VirtualQuery of the page A wrote");
	mc_check_compare("written-page-own-region", mc_answered(&written, "size"), "==", mc_number(MC_PAGE),
			 "bytes in the region VirtualQuery reports for the page A wrote");
	struct mc_reply other = mc_query(a, view + MC_PAGE);
	mc_check_answer("other-page-still-write-copy", &other, "ok protect=PAGE_WRITECOPY size=4096",
			"VirtualQuery of the page A did not write");
}

/*
 * WIN-032: After one page of a two-page FILE_MAP_WRITE view made PAGE_WRITECOPY
 * with VirtualProtect is written, VirtualQuery reports that page as a region of
 * its own, PAGE_READWRITE, and the other page as a region still PAGE_WRITECOPY.
 */
static void written_write_copy_page_is_a_region_of_its_own(void)
{
	written_page_is_a_region_of_its_own(false);
}

/*
 * WIN-033: After one page of a two-page copy-on-write view (FILE_MAP_COPY) is
 * written, VirtualQuery reports that page as a region of its own (one page),
 * and the other page as a region still PAGE_WRITECOPY.
 */
static void copy_view_written_page_is_a_region_of_its_own(void)
{
	written_page_is_a_region_of_its_own(true);
}

/*
 * WIN-034: A FILE_MAP_WRITE | FILE_MAP_EXECUTE view of a PAGE_EXECUTE_READWRITE
 * section made PAGE_EXECUTE_WRITECOPY with VirtualProtect is reported
 * PAGE_EXECUTE_WRITECOPY, and a write through it afterwards goes to a private
 * copy: another process's view of the section does not see it, and the written
 * page is reported PAGE_EXECUTE_READWRITE.
 */
static void execute_write_copy_keeps_writes_private(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_map(a, mc_create(a, obj, .executable = 1), MC_PAGE, .executable = 1);
	uintptr_t vb = mc_open_map(b, obj);
	char shared[64], private[64];

	two_markers(shared, private, sizeof(shared));
	mc_write_text(b, vb, shared);
	make_copy_on_write(a, va, MC_PAGE, "xcopy");
	mc_write_text(a, va, private);
	mc_check_reads("other-process-view-unchanged", b, vb, shared);
	struct mc_reply written = mc_query(a, va);
	mc_check_answer("written-page-execute-read-write", &written, "ok protect=PAGE_EXECUTE_READWRITE",
			"VirtualQuery of the page A wrote");
}

/*
 * WIN-035: A FILE_MAP_READ view, through a handle opened with FILE_MAP_READ
 * only, made PAGE_WRITECOPY with VirtualProtect can be written, and the write
 * goes to a private copy: another process's view of the section does not see
 * it.
 *
 * Copy-on-write asks no more of the view than reading, so neither the view's
 * rights (WIN-029) nor the handle's stop it; what they must stop is the write
 * reaching the section.
 */
static void read_view_made_write_copy_writes_privately(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t vb = mc_create_map(b, obj);
	uintptr_t ro = mc_map(a, mc_open(a, obj, "r"), MC_PAGE, .prot = "r");
	char shared[64], private[64];

	two_markers(shared, private, sizeof(shared));
	mc_write_text(b, vb, shared);
	make_copy_on_write(a, ro, MC_PAGE, "copy");
	mc_check_writes("write-copy-page-writable", a, ro, private);
	mc_check_reads("other-process-view-unchanged", b, vb, shared);
}

/*
 * WIN-036: A page written through a FILE_MAP_WRITE view made PAGE_WRITECOPY
 * keeps its private copy when it is made PAGE_READWRITE again: the writer still
 * reads its write, a later write there does not reach another process's view,
 * and another process's later write does not reach it.
 */
static void reprotected_write_copy_page_stays_private(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj), vb = mc_open_map(b, obj);
	char shared[64], private[64], later_shared[64], later_private[64];

	two_markers(shared, private, sizeof(shared));
	two_markers(later_shared, later_private, sizeof(later_shared));
	mc_write_text(b, vb, shared);
	make_copy_on_write(a, va, MC_PAGE, "copy");
	mc_write_text(a, va, private);
	mc_protect(a, va, MC_PAGE, "rw");
	mc_check_reads("private-copy-kept", a, va, private);
	mc_write_text(a, va, later_private);
	mc_check_reads("other-process-view-unchanged", b, vb, shared);
	mc_write_text(b, vb, later_shared);
	mc_check_reads("private-copy-not-refreshed", a, va, later_private);
}

/*
 * A page A wrote through its copy-on-write view (FILE_MAP_COPY), then made
 * prot with VirtualProtect ("r" or "copy"): A still reads its own write there,
 * and B's later write to the section does not reach it; a read-only page
 * faults on write, and a page made PAGE_WRITECOPY again is reported as one
 * already copied, PAGE_READWRITE.
 */
static void written_copy_page_reprotected(const char *prot)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t vc = mc_map(a, mc_create(a, obj), MC_PAGE, .private_copy = 1);
	uintptr_t vb = mc_open_map(b, obj);
	char shared[64], private[64], later_shared[64], unused[64];

	two_markers(shared, private, sizeof(shared));
	two_markers(later_shared, unused, sizeof(later_shared));
	mc_write_text(b, vb, shared);
	mc_write_text(a, vc, private);
	mc_protect(a, vc, MC_PAGE, prot);
	mc_check_reads("private-copy-kept", a, vc, private);
	if (strcmp(prot, "r") == 0)
		mc_check_faults("write-faults", a, vc, "write");
	mc_write_text(b, vb, later_shared);
	mc_check_reads("private-copy-not-refreshed", a, vc, private);
	if (strcmp(prot, "copy") == 0) {
		struct mc_reply q = mc_query(a, vc);

		mc_check_answer("reported-read-write", &q, "ok protect=PAGE_READWRITE",
				"VirtualQuery of the written page A made PAGE_WRITECOPY again");
	}
}

/*
 * WIN-037: A page written through a copy-on-write view (FILE_MAP_COPY) and then
 * made PAGE_READONLY with VirtualProtect keeps its private copy: the process
 * reads its own write there, not the section's, a write there faults, and
 * another process's later write to the section does not reach it.
 */
static void read_only_copy_page_keeps_private_copy(void)
{
	written_copy_page_reprotected("r");
}

/*
 * WIN-044: A page written through a copy-on-write view (FILE_MAP_COPY) and then
 * made PAGE_WRITECOPY again with VirtualProtect keeps its private copy (the
 * process reads its own write there, and another process's later write to the
 * section does not reach it), and VirtualQuery reports it PAGE_READWRITE, a
 * page already copied.
 */
static void rewritten_copy_page_keeps_private_copy(void)
{
	written_copy_page_reprotected("copy");
}

/*
 * WIN-038: A section's name is gone once every process has closed its handles
 * to it, though two processes still have views of it, and those views still
 * share their pages.
 */
static void name_goes_with_every_handle_while_views_remain(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B"), *c = mc_agent_start("C");
	struct mc_handle ha = mc_create(a, obj), hb = mc_open(b, obj, "rw");
	uintptr_t va = mc_map(a, ha, MC_PAGE), vb = mc_map(b, hb, MC_PAGE);
	const char *text = mc_marker("written-after-every-close");

	mc_close(a, ha);
	mc_close(b, hb);
	struct mc_reply r = mc_try_open(c, obj, "rw");
	mc_check_error("name-gone-while-views-remain", &r, "not_found",
		       "C opens the name after A and B closed their handles, their views still mapped");
	mc_write_text(a, va, text);
	mc_check_reads("views-still-share", b, vb, text);
}

/*
 * WIN-039: A process that holds only a handle to a section (no view) keeps its
 * name and its pages after the creator unmapped its view, closed its handle and
 * exited: a new process opens the name and reads what the creator wrote.
 */
static void handle_without_view_keeps_name_and_pages(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uint64_t pid_a = mc_announced_u64(a, "pid");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t va = mc_map(a, h, MC_PAGE);
	char text[64];

	snprintf(text, sizeof(text), "%s", mc_marker("kept-by-a-handle"));
	mc_write_text(a, va, text);
	mc_open(b, obj, "rw");          /* B's handle, and no view */
	mc_unmap(a, va, MC_PAGE);
	mc_close(a, h);
	mc_watch_process(b, pid_a);
	mc_exit(a);
	mc_await_exit(b, pid_a);
	struct mc_agent *c = mc_agent_start("C");
	struct mc_reply opened = mc_try_open(c, obj, "rw");
	mc_check_ok("name-kept-by-handle", &opened, "C opens the name B holds only a handle to, its creator gone");
	mc_check_reads("pages-kept-by-handle", c, mc_map(c, mc_handle_of(&opened), MC_PAGE), text);
}

/*
 * B holds only a view of the section A created (its own handle closed),
 * and A ends as killed says: the name is gone, and B's view still reads
 * what A wrote and can be written.
 */
static void name_goes_with_creator_while_other_holds_a_view(bool killed)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B"), *c = mc_agent_start("C");
	uint64_t pid_a = mc_announced_u64(a, "pid");
	uintptr_t va = mc_create_map(a, obj);
	struct mc_handle hb = mc_open(b, obj, "rw");
	uintptr_t vb = mc_map(b, hb, MC_PAGE);
	char text[64];

	snprintf(text, sizeof(text), "%s", mc_marker("outlives-its-name"));
	mc_write_text(a, va, text);
	mc_close(b, hb);
	mc_watch_process(b, pid_a);
	if (killed)
		mc_kill(a);
	else
		mc_exit(a);
	mc_await_exit(b, pid_a);
	struct mc_reply r = mc_try_open(c, obj, "rw");
	mc_check_error("name-gone-after-creator-ends", &r, "not_found",
		       "C opens the name whose creator ended while B holds only a view");
	mc_check_reads("view-reads-after-creator-ends", b, vb, text);
	mc_check_writes("view-writable-after-creator-ends", b, vb, "written after the creator ended");
}

/*
 * WIN-040: When the creator of a section exits while another process holds only
 * a view of it (that process's handle closed), the name is gone, and the view
 * still reads what the creator wrote and can be written.
 */
static void name_goes_when_creator_exits_leaving_a_view(void)
{
	name_goes_with_creator_while_other_holds_a_view(false);
}

/*
 * WIN-041: When the creator of a section is killed while another process holds
 * only a view of it (that process's handle closed), the name is gone, and the
 * view still reads what the creator wrote and can be written.
 */
static void name_goes_when_creator_killed_leaving_a_view(void)
{
	name_goes_with_creator_while_other_holds_a_view(true);
}

/*
 * WIN-042: After its last handle is closed and then its last view unmapped, a
 * section's name is gone: an open is not found, and a create of the name (not
 * exclusive) makes a new section (existed=0).
 *
 * The POSIX rule, that a name lives until it is removed, would keep it.
 */
static void name_gone_after_last_handle_then_last_view(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t va = mc_map(a, h, MC_PAGE);

	mc_write_text(a, va, "the section's last view");
	mc_close(a, h);
	mc_unmap(a, va, MC_PAGE);
	struct mc_reply r = mc_try_open(b, obj, "rw");
	mc_check_error("name-gone-after-last-unmap", &r, "not_found",
		       "B opens the name after A closed its last handle and unmapped its last view");
	struct mc_reply created = mc_try_create(b, obj, .open_existing = 1, .size = MC_PAGE);
	mc_check_answer("created-anew", &created, "ok existed=0", "B creates the name, not exclusively, afterwards");
}

/*
 * WIN-043: A copy-on-write view (FILE_MAP_COPY) cannot be made PAGE_READWRITE
 * with VirtualProtect (ERROR_INVALID_PARAMETER), though the process holds a
 * handle with every right, and a write through the view afterwards still goes
 * to a private copy: another process's view of the section does not see it.
 *
 * As WIN-029 for a FILE_MAP_READ view: a view's own protection, not the
 * handle's rights, bounds what VirtualProtect can grant. Wine's conformance
 * tests, which run on Windows, require this refusal and its error
 * (dlls/kernel32/tests/virtual.c, test_mapping: a protection the view's own
 * does not include fails with ERROR_INVALID_PARAMETER).
 */
static void copy_view_cannot_be_raised_to_read_write(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t vc = mc_map(a, mc_create(a, obj), MC_PAGE, .private_copy = 1);
	uintptr_t vb = mc_open_map(b, obj);
	char shared[64], private[64];

	two_markers(shared, private, sizeof(shared));
	mc_write_text(b, vb, shared);
	struct mc_reply r = mc_try_protect(a, vc, MC_PAGE, "rw");
	mc_check_answer("raise-to-read-write-refused", &r, "err code=invalid_argument name=ERROR_INVALID_PARAMETER",
			"A makes its FILE_MAP_COPY view PAGE_READWRITE with VirtualProtect");
	mc_write_text(a, vc, private);
	mc_check_reads("other-process-view-unchanged", b, vb, shared);
}

static const struct mc_case cases[] = {
	MC_CASE("WIN-001", create_of_existing_name_opens_it),
	MC_CASE("WIN-002", create_of_existing_name_keeps_its_size),
	MC_CASE("WIN-003", name_of_a_mutex_is_refused),
	MC_CASE("WIN-004", name_with_backslash_is_refused),
	MC_CASE("WIN-005", section_of_size_zero_is_refused),
	MC_CASE("WIN-006", views_are_granule_aligned),
	MC_CASE("WIN-007", base_between_granules_is_refused),
	MC_CASE("WIN-008", view_larger_than_section_is_refused),
	MC_CASE("WIN-009", mapped_file_cannot_shrink),
	MC_CASE("WIN-010", section_extends_its_file),
	MC_CASE("WIN-011", written_copy_on_write_page_is_read_write),
	MC_CASE("WIN-012", name_goes_with_last_handle),
	MC_CASE("WIN-013", name_goes_when_last_holder_killed),
	MC_CASE("WIN-014", range_is_free_after_unmap),
	MC_CASE("WIN-015", heapalloc_is_private),
	MC_CASE("WIN-016", globalalloc_is_private),
	MC_CASE("WIN-017", localalloc_is_private),
	MC_CASE("WIN-018", dll_shared_section_is_shared),
	MC_CASE("WIN-019", abandoned_mutex_is_reported_once),
	MC_CASE("WIN-020", inherited_handle_shares_pages),
	MC_CASE("WIN-021", offset_between_granules_is_refused),
	MC_CASE("WIN-022", reserved_view_faults_until_committed),
	MC_CASE("WIN-023", committed_pages_are_seen_by_every_view),
	MC_CASE("WIN-024", large_pages_need_the_privilege),
	MC_CASE("WIN-025", name_goes_when_last_holder_terminated),
	MC_CASE("WIN-026", duplicated_read_handle_cannot_map_writable),
	MC_CASE("WIN-027", read_write_section_over_read_only_file_is_refused),
	MC_CASE("WIN-028", read_only_section_cannot_map_writable),
	MC_CASE("WIN-029", read_view_cannot_be_raised_to_read_write),
	MC_CASE("WIN-030", shared_view_made_write_copy_keeps_writes_private),
	MC_CASE("WIN-031", write_copy_page_is_not_written_to_file),
	MC_CASE("WIN-032", written_write_copy_page_is_a_region_of_its_own),
	MC_CASE("WIN-033", copy_view_written_page_is_a_region_of_its_own),
	MC_CASE("WIN-034", execute_write_copy_keeps_writes_private),
	MC_CASE("WIN-035", read_view_made_write_copy_writes_privately),
	MC_CASE("WIN-036", reprotected_write_copy_page_stays_private),
	MC_CASE("WIN-037", read_only_copy_page_keeps_private_copy),
	MC_CASE("WIN-038", name_goes_with_every_handle_while_views_remain),
	MC_CASE("WIN-039", handle_without_view_keeps_name_and_pages),
	MC_CASE("WIN-040", name_goes_when_creator_exits_leaving_a_view),
	MC_CASE("WIN-041", name_goes_when_creator_killed_leaving_a_view),
	MC_CASE("WIN-042", name_gone_after_last_handle_then_last_view),
	MC_CASE("WIN-043", copy_view_cannot_be_raised_to_read_write),
	MC_CASE("WIN-044", rewritten_copy_page_keeps_private_copy),
};
MC_MAIN("win32", cases)
