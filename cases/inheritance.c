/*
 * Inheritance across fork: a forked agent has its parent's views at the
 * same addresses. A shared view stays shared (C5) and a private view is
 * copy-on-write; exec, on the other hand, drops every view (C7).
 */
#include "mapconf.h"

/*
 * INH-001: A shared view stays shared across fork: parent and child each see
 * the other's writes.
 */
static void shared_view_stays_shared_across_fork(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *parent = mc_agent_start("P");
	uintptr_t view = mc_create_map(parent, obj);
	struct mc_agent *child = mc_fork(parent, "C");

	mc_write_text(child, view, "written by the child");
	mc_check_reads("parent-reads-child-write", parent, view, "written by the child");
	mc_write_text(parent, view + 100, "written by the parent");
	mc_check_reads("child-reads-parent-write", child, view + 100, "written by the parent");
}

/*
 * INH-002: A private view is copy-on-write across fork: the child's write stays
 * in the child.
 */
static void private_view_is_copy_on_write_across_fork(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *parent = mc_agent_start("P");
	uintptr_t view = mc_map(parent, mc_create(parent, obj), MC_PAGE, .private_copy = 1);

	mc_write_text(parent, view, "the parent's copy");
	struct mc_agent *child = mc_fork(parent, "C");
	mc_check_reads("child-reads-parent-copy", child, view, "the parent's copy");
	mc_write_text(child, view, "the child's copy!");
	mc_check_reads("child-reads-own-write", child, view, "the child's copy!");
	mc_check_reads("parent-copy-unchanged", parent, view, "the parent's copy");
}

/*
 * INH-003: Exec drops every view: afterwards, the address where the view was no
 * longer reaches it (a read there faults, or finds what the new image put
 * there).
 *
 * The new image may map pages of its own there (in a 32-bit address space its
 * libraries often land where the view was), so a read there faults or finds
 * something else, never the view's text.
 */
static void exec_drops_every_view(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t view = mc_create_map(a, obj);

	mc_write_text(a, view, "gone after exec");
	mc_exec(a);
	mc_check_unreachable("view-gone-after-exec", a, view, "gone after exec");
}

static const struct mc_case cases[] = {
	MC_CASE("INH-001", shared_view_stays_shared_across_fork),
	MC_CASE("INH-002", private_view_is_copy_on_write_across_fork),
	MC_CASE("INH-003", exec_drops_every_view),
};
MC_MAIN("inheritance", cases)
