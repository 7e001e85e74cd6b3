/*
 * Shared, not global (C7): the pages are reachable only through a view,
 * and only with the access the view grants.
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
};
MC_MAIN("isolation", cases)
