/*
 * Shared, not global (C7): the pages are reachable only through a view,
 * and only with the access the view grants; a memfd's, only as its seals
 * (F_ADD_SEALS) allow every process that holds it.
 */
#include "mapconf.h"

/*
 * ISO-001: An agent without a view faults, reading or writing, at the address
 * where another agent has its view.
 */
static void agent_without_view_cannot_reach_pages(void)
{
	struct mc_object *obj = mc_object_new(MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_agent *both[] = { a, b };
	uintptr_t at = mc_free_address(both, 2, MC_GRANULE);

	mc_map(a, mc_create(a, obj), MC_GRANULE, .at = at);
	mc_write_text(a, at, "only for those with a view");
	mc_check_faults("b-read-faults", b, at, "read");
	mc_check_faults("b-write-faults", b, at, "write");
}

/* ISO-002: After unmap, the view's address faults. */
static void address_faults_after_unmap(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "gone after unmap");
	mc_unmap(a, va, MC_PAGE);
	mc_check_faults("read-faults-after-unmap", a, va, "read");
}

/*
 * ISO-003: A read-only view can be read but faults on write, and the data stays
 * as it was.
 */
static void read_only_view_faults_on_write(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t rw = mc_map(a, h, MC_PAGE);
	uintptr_t ro = mc_map(a, h, MC_PAGE, .prot = "r");

	mc_write_text(a, rw, "read-only through the second view");
	mc_check_accessible("read-only-view-readable", a, ro, "read");
	mc_check_faults("write-faults", a, ro, "write");
	mc_check_reads("data-stays", a, ro, "read-only through the second view");
}

/*
 * ISO-004: An object opened read-only cannot be mapped as a writable shared
 * view (access_denied).
 */
static void read_only_open_cannot_map_writable(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_create(a, obj);
	struct mc_reply r = mc_try_map(b, mc_open(b, obj, "r"), MC_PAGE);
	mc_check_error("writable-map-refused", &r, "access_denied", "B maps a read-only open for writing");
}

/*
 * ISO-005: An object created with mode 0600 cannot be opened, for writing or
 * reading, by another user (access_denied).
 */
static void private_mode_keeps_other_users_out(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_create(a, obj);
	mc_become_other_user(b);
	struct mc_reply rw = mc_try_open(b, obj, "rw");
	mc_check_error("other-user-write-open-refused", &rw, "access_denied",
		       "B, another user, opens A's 0600 object for writing");
	struct mc_reply ro = mc_try_open(b, obj, "r");
	mc_check_error("other-user-read-open-refused", &ro, "access_denied",
		       "B, another user, opens A's 0600 object for reading");
}

/* An agent dropped to another user, which owns none of the case's objects. */
static struct mc_agent *other_user(const char *label)
{
	struct mc_agent *b = mc_agent_start(label);

	mc_become_other_user(b);
	return b;
}

/* A's object, which others may read but not write: mode 0644, under a umask that keeps it so. */
static struct mc_handle readable_by_others(struct mc_agent *a, struct mc_object *obj)
{
	mc_umask(a, 022);
	return mc_create(a, obj, .mode = 0644);
}

/*
 * ISO-007: Another user, who may only read an object (mode 0644), cannot map it
 * as a writable shared view, though it opened it for reading (access_denied;
 * SysV: shmat for writing).
 */
static void reader_cannot_map_writable(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	readable_by_others(a, obj);
	struct mc_agent *b = other_user("B");
	struct mc_reply r = mc_try_map(b, mc_open(b, obj, "r"), MC_PAGE);
	mc_check_error("other-user-writable-map-refused", &r, "access_denied",
		       "B, another user, maps A's 0644 object for writing");
}

/*
 * ISO-008: Another user, who may only read an object (mode 0644), cannot resize
 * it through its read-only open (ftruncate is refused), and the object keeps
 * its size.
 */
static void reader_cannot_resize(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = readable_by_others(a, obj);
	struct mc_agent *b = other_user("B");

	struct mc_reply r = mc_try_resize(b, mc_open(b, obj, "r"), 2 * MC_PAGE);
	mc_check_answer("other-user-resize-refused", &r, "err code=invalid_argument|bad_handle|access_denied",
			"B, another user, resizes A's 0644 object through its read-only open");
	struct mc_reply st = mc_stat(a, h);
	mc_check_compare("size-unchanged", mc_answered(&st, "size"), "==", mc_number(MC_PAGE));
}

/*
 * ISO-009: Another user cannot remove an object's name (shm_unlink, unlink of
 * the file, IPC_RMID are refused with access_denied): the name still opens, to
 * the same pages.
 */
static void other_user_cannot_remove(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_write_text(a, mc_map(a, readable_by_others(a, obj), MC_PAGE), "still named");
	struct mc_agent *b = other_user("B");
	struct mc_reply r = mc_try_unlink(b, obj);
	mc_check_error("other-user-remove-refused", &r, "access_denied", "B, another user, removes A's object");
	struct mc_agent *c = mc_agent_start("C");
	struct mc_reply opened = mc_try_open(c, obj, "r");
	mc_check_ok("name-still-opens", &opened, "C opens the name another user tried to remove");
	mc_check_reads("same-pages", c, mc_map(c, mc_handle_of(&opened), MC_PAGE, .prot = "r"), "still named");
}

/*
 * ISO-010: Another user cannot change an object's mode (fchmod; SysV: IPC_SET
 * are refused with access_denied), and the mode stays 0644.
 */
static void other_user_cannot_change_mode(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = readable_by_others(a, obj);
	struct mc_agent *b = other_user("B");

	struct mc_reply r = mc_try_chmod(b, mc_open(b, obj, "r"), 0666);
	mc_check_error("other-user-chmod-refused", &r, "access_denied",
		       "B, another user, makes A's 0644 object writable by everyone");
	struct mc_reply st = mc_stat(a, h);
	mc_check_answer("mode-unchanged", &st, "ok mode=0644", "the mode of A's object after another user tried to change it");
}

/*
 * ISO-006: A view made read-only with mprotect (Win32: VirtualProtect) faults
 * on write and can still be read.
 */
static void mprotect_read_only_faults_on_write(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "protected afterwards");
	mc_protect(a, va, MC_PAGE, "r");
	mc_check_faults("write-faults", a, va, "write");
	mc_check_reads("data-still-reads", a, va, "protected afterwards");
}

/*
 * ISO-011: A read-only view of an object opened read-only (SysV: attached
 * SHM_RDONLY) cannot be made writable with mprotect (access_denied), and a
 * write there still faults.
 */
static void read_only_open_cannot_be_protected_writable(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_create(a, obj);
	uintptr_t vb = mc_map(b, mc_open(b, obj, "r"), MC_PAGE, .prot = "r");
	struct mc_reply r = mc_try_protect(b, vb, MC_PAGE, "rw");
	mc_check_error("writable-protect-refused", &r, "access_denied",
		       "B makes its read-only view of a read-only open writable");
	mc_check_faults("write-still-faults", b, vb, "write");
}

/*
 * ISO-012: Once a memfd is sealed against writes (F_SEAL_WRITE), another
 * process holding it can neither write(2) to it nor map it writable and shared
 * (both refused: access_denied, EPERM), and still maps it read-only and reads
 * what was written before the seal.
 */
static void write_sealed_memfd_refuses_every_writer(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle ha = mc_create(a, obj);
	uintptr_t va = mc_map(a, ha, MC_PAGE);

	mc_write_text(a, va, "written before the seal");
	mc_unmap(a, va, MC_PAGE);
	mc_seal(a, ha, "write");
	struct mc_handle hb = mc_open(b, obj, "rw");
	struct mc_reply written = mc_try_pwrite_text(b, obj, 0, "written after the seal");
	mc_check_error("write-refused", &written, "access_denied", "B writes (write(2)) to the memfd A sealed");
	struct mc_reply mapped = mc_try_map(b, hb, MC_PAGE);
	mc_check_error("writable-map-refused", &mapped, "access_denied", "B maps the sealed memfd writable and shared");
	struct mc_reply read_only = mc_try_map(b, hb, MC_PAGE, .prot = "r");
	mc_check_ok("read-only-map-allowed", &read_only, "B maps the sealed memfd read-only and shared");
	mc_check_reads("read-only-view-reads-it", b, mc_field_u64(&read_only, "addr"), "written before the seal");
}

/*
 * ISO-013: Sealing a memfd against writes (F_SEAL_WRITE) is refused (busy,
 * EBUSY) while another process has a writable shared view of it, and that view
 * still writes.
 */
static void write_seal_refused_while_writable_view_exists(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle ha = mc_create(a, obj);
	uintptr_t vb = mc_map(b, mc_open(b, obj, "rw"), MC_PAGE);

	struct mc_reply sealed = mc_try_seal(a, ha, "write");
	mc_check_error("seal-refused-while-b-has-writable-view", &sealed, "busy",
		       "A seals the memfd against writes while B has a writable shared view");
	mc_check_writes("b-view-still-writes", b, vb, "B still writes through its view");
}

/*
 * ISO-014: Once a memfd is sealed against future writes (F_SEAL_FUTURE_WRITE),
 * a writable view made before the seal still writes, while another process
 * holding the memfd can neither map it writable and shared nor write(2) to it
 * (access_denied, EPERM), and reads the earlier view's write through a
 * read-only view.
 */
static void future_write_seal_keeps_existing_views(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle ha = mc_create(a, obj);
	uintptr_t va = mc_map(a, ha, MC_PAGE);
	struct mc_handle hb = mc_open(b, obj, "rw");

	mc_seal(a, ha, "future_write");
	mc_check_writes("existing-view-writes", a, va, "through the view made before the seal");
	struct mc_reply mapped = mc_try_map(b, hb, MC_PAGE);
	mc_check_error("new-writable-map-refused", &mapped, "access_denied",
		       "B maps the memfd writable and shared after F_SEAL_FUTURE_WRITE");
	struct mc_reply written = mc_try_pwrite_text(b, obj, 100, "written after the seal");
	mc_check_error("write-refused", &written, "access_denied", "B writes (write(2)) after F_SEAL_FUTURE_WRITE");
	mc_check_reads("b-reads-existing-view-write", b, mc_map(b, hb, MC_PAGE, .prot = "r"),
		       "through the view made before the seal");
}

/*
 * ISO-015: Once a memfd is sealed against growing (F_SEAL_GROW), another
 * process holding it can neither grow it with ftruncate nor write(2) past its
 * end (access_denied, EPERM): its size stays as it was.
 */
static void grow_sealed_memfd_cannot_grow(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle ha = mc_create(a, obj);

	mc_seal(a, ha, "grow");
	struct mc_handle hb = mc_open(b, obj, "rw");
	struct mc_reply grown = mc_try_resize(b, hb, 3 * MC_PAGE);
	mc_check_error("grow-refused", &grown, "access_denied", "B grows (ftruncate) the memfd A sealed against growing");
	struct mc_reply written = mc_try_pwrite_text(b, obj, 2 * MC_PAGE, "past the end");
	mc_check_error("write-past-end-refused", &written, "access_denied", "B writes (write(2)) past the sealed end");
	struct mc_reply st = mc_stat(b, hb);
	mc_check_compare("size-unchanged", mc_answered(&st, "size"), "==", mc_number(2 * MC_PAGE), "size (bytes)");
}

/*
 * ISO-016: Once a memfd is sealed against shrinking (F_SEAL_SHRINK), another
 * process holding it cannot shrink it with ftruncate (access_denied, EPERM),
 * and a view of its last page still reads it.
 */
static void shrink_sealed_memfd_cannot_shrink(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle ha = mc_create(a, obj);
	uintptr_t va = mc_map(a, ha, 2 * MC_PAGE);

	mc_write_text(a, va + MC_PAGE, "on the last page");
	mc_seal(a, ha, "shrink");
	struct mc_reply shrunk = mc_try_resize(b, mc_open(b, obj, "rw"), MC_PAGE);
	mc_check_error("shrink-refused", &shrunk, "access_denied",
		       "B shrinks (ftruncate) the memfd A sealed against shrinking");
	mc_check_reads("view-keeps-last-page", a, va + MC_PAGE, "on the last page");
}

static const struct mc_case cases[] = {
	MC_CASE("ISO-001", agent_without_view_cannot_reach_pages),
	MC_CASE("ISO-002", address_faults_after_unmap),
	MC_CASE("ISO-003", read_only_view_faults_on_write),
	MC_CASE("ISO-004", read_only_open_cannot_map_writable),
	MC_CASE("ISO-005", private_mode_keeps_other_users_out),
	MC_CASE("ISO-006", mprotect_read_only_faults_on_write),
	MC_CASE("ISO-007", reader_cannot_map_writable),
	MC_CASE("ISO-008", reader_cannot_resize),
	MC_CASE("ISO-009", other_user_cannot_remove),
	MC_CASE("ISO-010", other_user_cannot_change_mode),
	MC_CASE("ISO-011", read_only_open_cannot_be_protected_writable),
	MC_CASE("ISO-012", write_sealed_memfd_refuses_every_writer),
	MC_CASE("ISO-013", write_seal_refused_while_writable_view_exists),
	MC_CASE("ISO-014", future_write_seal_keeps_existing_views),
	MC_CASE("ISO-015", grow_sealed_memfd_cannot_grow),
	MC_CASE("ISO-016", shrink_sealed_memfd_cannot_shrink),
};
MC_MAIN("isolation", cases)
