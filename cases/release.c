/*
 * Release on last unmap (C8): the object lives while anyone has a view,
 * and its memory goes when the last view goes, however that happens.
 *
 * Memory is measured on the object under test alone: the controller reads
 * the pages charged to the case's own memory cgroup (memory_figure.h), which
 * only the case's agents are in, so the figure does not move with the rest of
 * the machine and these cases need not run alone. The figure is exact to the
 * page, so an object must come back to within SLACK_KB of where it started:
 * a platform that keeps 1 MiB of an 8 MiB object fails.
 *
 * Freeing is checked on shared-memory objects only: the figure for file
 * pages (mapped_file) counts pages with page-table entries, so a process
 * holding a view it never touched is invisible to it, and "the figure
 * dropped" would not prove that the last view is gone.
 */
#include "mapconf.h"
#include "memory_figure.h"

#define BIG (8ULL << 20)
#define BIG_KB (BIG >> 10)

/* How an agent ends in the release cases. */
enum ending { EXITED, KILLED, CRASHED };

static void end_agent(struct mc_agent *a, enum ending how)
{
	if (how == EXITED)
		mc_exit(a);
	else if (how == KILLED)
		mc_kill(a);
	else
		mc_crash(a, "SEGV");
}

/* A writes to a named object B has a view of, and ends as how says: B still reads it, and C opens the name. */
static void object_outlives_its_creator_ending(enum ending how)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);
	uintptr_t vb = mc_open_map(b, obj);

	mc_write_text(a, va, "outlives its creator");
	end_agent(a, how);
	mc_check_reads("b-reads-after-creator-ends", b, vb, "outlives its creator");
	struct mc_agent *c = mc_agent_start("C");
	struct mc_reply opened = mc_try_open(c, obj, "rw");
	mc_check_ok("c-opens-name", &opened, "C opens the name after its creator ended");
	mc_check_reads("c-reads-data", c, mc_map(c, mc_handle_of(&opened), MC_PAGE),
		       "outlives its creator");
}

/*
 * REL-001: The object outlives its creator while another agent has a view, and
 * can still be opened by name.
 */
static void object_outlives_its_creator(void)
{
	object_outlives_its_creator_ending(EXITED);
}

/*
 * REL-008: A named object outlives its creator killed with SIGKILL while
 * another agent has a view: that agent still reads it, and a new agent opens
 * the name and reads it.
 */
static void object_outlives_its_killed_creator(void)
{
	object_outlives_its_creator_ending(KILLED);
}

/*
 * REL-002: Unlink removes the name at once, while an existing view keeps the
 * data.
 */
static void unlink_removes_name_keeps_view(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "kept by the view");
	mc_unlink(a, obj);
	struct mc_reply r = mc_try_open(b, obj, "rw");
	mc_check_error("name-gone-after-unlink", &r, "not_found", "B opens the name A unlinked");
	mc_check_reads("view-keeps-data", a, va, "kept by the view");
}

/* The tolerance of REL-003..005, as their statements in the spec table say: 16 pages of 4 KiB. */
#define SLACK_KB 64ULL

/* The figure of the object's backend now, in kB, as an answer "ok kb=N". */
static struct mc_reply figure(const struct mc_object *obj)
{
	return mc_memory_figure(obj->backend->memory_figure);
}

/* The figure once it is within base+least..base+most kB, or its last value when it never gets there. */
static struct mc_reply figure_reaching(const struct mc_object *obj, const struct mc_reply *base, int64_t least,
				       int64_t most)
{
	return mc_memory_settled(obj->backend->memory_figure, base, least, most);
}

/* A big object filled through a view in a; all of it must show in the figure. */
static uintptr_t filled_big_view(struct mc_agent *a, struct mc_object *obj, struct mc_handle *h,
				 const struct mc_reply *baseline)
{
	*h = mc_create(a, obj);
	uintptr_t va = mc_map(a, *h, BIG);
	mc_fill(a, va, BIG, 1);
	struct mc_reply now = figure_reaching(obj, baseline, BIG_KB - SLACK_KB, MC_UNBOUNDED);
	mc_require_compare("figure-shows-the-fill", mc_answered_plus(&now, "kb", SLACK_KB), ">=",
			   mc_answered_plus(baseline, "kb", BIG_KB));
	return va;
}

static void check_released(const struct mc_object *obj, const struct mc_reply *baseline)
{
	struct mc_reply now = figure_reaching(obj, baseline, -MC_UNBOUNDED, SLACK_KB);

	mc_check_compare("memory-released", mc_answered(&now, "kb"), "<=",
			 mc_answered_plus(baseline, "kb", SLACK_KB));
}

/*
 * REL-003: After its name is removed (unlink; a memfd has none) and the last
 * unmap and close, the object's memory is freed: the shared memory charged to
 * the case's own memory cgroup (shmem) is back within 16 pages (64 KiB) of what
 * it was before the object existed.
 */
static void memory_released_after_last_unmap(void)
{
	struct mc_object *obj = mc_object_new(BIG);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_reply baseline = figure(obj);
	struct mc_handle ha, hb;
	uintptr_t va = filled_big_view(a, obj, &ha, &baseline);

	hb = mc_open(b, obj, "rw");
	uintptr_t vb = mc_map(b, hb, BIG);
	mc_checksum(b, vb, BIG);
	mc_remove_name(a, obj);
	mc_unmap(a, va, BIG);
	mc_close(a, ha);
	mc_close(b, hb);
	mc_unmap(b, vb, BIG);
	check_released(obj, &baseline);
}

/*
 * REL-004: After its name is removed and its handle closed, the object's pages
 * stay while a view exists: the case's own memory cgroup still holds all of
 * them, less at most 16 pages (64 KiB) (shmem; mapped_file, file_mapped on
 * cgroup v2, for a file's touched pages).
 */
static void unlink_keeps_pages_while_view_exists(void)
{
	struct mc_object *obj = mc_object_new(BIG);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_reply baseline = figure(obj);
	struct mc_handle h;
	uintptr_t va = filled_big_view(a, obj, &h, &baseline);
	struct mc_reply sum = mc_checksum(a, va, BIG);

	mc_remove_name(a, obj);
	mc_close(a, h);
	struct mc_reply now = figure_reaching(obj, &baseline, BIG_KB - SLACK_KB, MC_UNBOUNDED);
	mc_check_compare("pages-kept-while-viewed", mc_answered_plus(&now, "kb", SLACK_KB), ">=",
			 mc_answered_plus(&baseline, "kb", BIG_KB));
	struct mc_reply again = mc_checksum(a, va, BIG);
	mc_check_compare("view-unchanged-after-unlink", mc_answered(&again, "sum"), "==", mc_answered(&sum, "sum"));
}

/* A fills a big object, removes its name, and ends as how says; then its memory must be released. */
static void memory_released_when_last_holder_ends(enum ending how)
{
	struct mc_object *obj = mc_object_new(BIG);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_reply baseline = figure(obj);
	struct mc_handle h;

	filled_big_view(a, obj, &h, &baseline);
	mc_remove_name(a, obj);
	end_agent(a, how);
	check_released(obj, &baseline);
}

/*
 * REL-005: When the last holder of an object without a name (unlinked, or a
 * memfd) is killed with SIGKILL, its memory is freed: the shared memory charged
 * to the case's own memory cgroup (shmem) is back within 16 pages (64 KiB) of
 * what it was before the object existed.
 */
static void memory_released_when_last_holder_killed(void)
{
	memory_released_when_last_holder_ends(KILLED);
}

/*
 * REL-006: When the last holder of an object without a name (unlinked, or a
 * memfd) crashes (dies of SIGSEGV, a fault of its own), its memory is freed:
 * the shared memory charged to the case's own memory cgroup (shmem) is back
 * within 16 pages (64 KiB) of what it was before the object existed.
 */
static void memory_released_when_last_holder_crashes(void)
{
	memory_released_when_last_holder_ends(CRASHED);
}

/* REL-007's and REL-009's holders: the creator (A) and seven more (B to H). */
#define HOLDERS 8

/* How the holders of REL-007 and REL-009 let the object go: each ends, or each unmaps its only view. */
enum letting_go { BY_ENDING, BY_UNMAPPING };

static void let_go(struct mc_agent *holder, uintptr_t view, int i, enum letting_go how)
{
	if (how == BY_UNMAPPING)
		mc_unmap(holder, view, BIG);
	else
		end_agent(holder, i % 2 ? KILLED : EXITED);
}

/*
 * An unnamed object's memory stays while any of eight holders has its view,
 * and is freed when the last lets go. The first seven let go one by one
 * (those that end do so by exit and by SIGKILL in turn); the eighth still
 * reads all of it. Each holder has its view only: handles are closed once
 * mapped, so a view is the only thing that keeps the object.
 */
static void memory_released_after_last_of_eight(enum letting_go how)
{
	struct mc_object *obj = mc_object_new(BIG);
	struct mc_agent *holder[HOLDERS];
	uintptr_t view[HOLDERS];
	struct mc_handle h;

	holder[0] = mc_agent_start(mc_agent_letter(0));
	struct mc_reply baseline = figure(obj);
	view[0] = filled_big_view(holder[0], obj, &h, &baseline);
	struct mc_reply sum = mc_checksum(holder[0], view[0], BIG);
	for (int i = 1; i < HOLDERS; i++) {
		struct mc_handle hi = mc_open(holder[i] = mc_agent_start(mc_agent_letter(i)), obj, "rw");

		view[i] = mc_map(holder[i], hi, BIG);
		mc_close(holder[i], hi);
	}
	mc_remove_name(holder[0], obj);
	mc_close(holder[0], h);
	for (int i = 0; i + 1 < HOLDERS; i++)
		let_go(holder[i], view[i], i, how);
	struct mc_agent *last = holder[HOLDERS - 1];
	struct mc_reply kept = figure_reaching(obj, &baseline, BIG_KB - SLACK_KB, MC_UNBOUNDED);
	mc_check_compare("pages-kept-while-one-holds", mc_answered_plus(&kept, "kb", SLACK_KB), ">=",
			 mc_answered_plus(&baseline, "kb", BIG_KB));
	struct mc_reply again = mc_checksum(last, view[HOLDERS - 1], BIG);
	mc_check_compare("last-holder-reads-all", mc_answered(&again, "sum"), "==", mc_answered(&sum, "sum"));
	let_go(last, view[HOLDERS - 1], HOLDERS - 1, how);
	check_released(obj, &baseline);
}

/*
 * REL-007: An object without a name (unlinked, or a memfd) held by eight
 * processes keeps its memory while any of them lives, and the last one reads
 * all of it; when the last ends, its memory is freed: the shared memory charged
 * to the case's own memory cgroup (shmem) is back within 16 pages (64 KiB) of
 * what it was before the object existed.
 */
static void memory_released_when_last_of_eight_ends(void)
{
	memory_released_after_last_of_eight(BY_ENDING);
}

/*
 * REL-009: An object without a name (unlinked, or a memfd) that eight processes
 * have views of, and no handles, keeps its memory while any view remains, and
 * the last holder reads all of it; when the last unmaps, its memory is freed:
 * the shared memory charged to the case's own memory cgroup (shmem) is back
 * within 16 pages (64 KiB) of what it was before the object existed.
 */
static void memory_released_when_last_of_eight_unmaps(void)
{
	memory_released_after_last_of_eight(BY_UNMAPPING);
}

/*
 * REL-010: A named object outlives its creator's crash (SIGSEGV, a fault of its
 * own) while another agent has a view: that agent still reads it, and a new
 * agent opens the name and reads it.
 */
static void object_outlives_its_crashed_creator(void)
{
	object_outlives_its_creator_ending(CRASHED);
}

/* How the creator of REL-011..013 lets its object go, holding nothing afterwards. */
enum last_hold { UNMAP_THEN_CLOSE, CLOSE_THEN_UNMAP, CREATOR_EXITS };

#define KEPT_TEXT "kept with no holder"

/*
 * A writes to a named object and lets it go as how says, no other agent
 * holding it; then b, which never held it, tries to open the name.
 */
static struct mc_reply open_after_last_holder(enum last_hold how, struct mc_object *obj, struct mc_agent *b)
{
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t va = mc_map(a, h, MC_PAGE);

	mc_write_text(a, va, KEPT_TEXT);
	if (how == UNMAP_THEN_CLOSE) {
		mc_unmap(a, va, MC_PAGE);
		mc_close(a, h);
	} else if (how == CLOSE_THEN_UNMAP) {
		mc_close(a, h);
		mc_unmap(a, va, MC_PAGE);
	} else {
		mc_exit(a);
	}
	return mc_try_open(b, obj, "rw");
}

/*
 * REL-011: A named object outlives every holder (POSIX: a name lives until it
 * is removed): after its creator, the only holder, unmaps its view and then
 * closes its last handle, another agent opens the name and reads what was
 * written.
 */
static void name_outlives_last_handle(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *b = mc_agent_start("B");
	struct mc_reply opened = open_after_last_holder(UNMAP_THEN_CLOSE, obj, b);

	mc_check_ok("name-opens-after-last-close", &opened, "B opens the name after A unmapped, then closed its handle");
	mc_check_reads("data-kept-after-last-close", b, mc_map(b, mc_handle_of(&opened), MC_PAGE), KEPT_TEXT);
}

/*
 * REL-012: A named object outlives every holder (POSIX: a name lives until it
 * is removed): after its creator, the only holder, closes its handle and then
 * unmaps its last view, another agent opens the name and reads what was
 * written.
 */
static void name_outlives_last_view(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *b = mc_agent_start("B");
	struct mc_reply opened = open_after_last_holder(CLOSE_THEN_UNMAP, obj, b);

	mc_check_ok("name-opens-after-last-unmap", &opened, "B opens the name after A closed its handle, then unmapped");
	mc_check_reads("data-kept-after-last-unmap", b, mc_map(b, mc_handle_of(&opened), MC_PAGE), KEPT_TEXT);
}

/*
 * REL-013: A named object outlives its creator when nothing else ever held it
 * (POSIX: a name lives until it is removed): after the creator exits holding
 * its handle and view, another agent opens the name and reads what was written.
 */
static void name_outlives_its_creator_alone(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *b = mc_agent_start("B");
	struct mc_reply opened = open_after_last_holder(CREATOR_EXITS, obj, b);

	mc_check_ok("name-opens-after-creator-ended", &opened, "B opens the name after A exited holding it");
	mc_check_reads("data-kept-after-creator-ended", b, mc_map(b, mc_handle_of(&opened), MC_PAGE), KEPT_TEXT);
}

static const struct mc_case cases[] = {
	MC_CASE("REL-001", object_outlives_its_creator),
	MC_CASE("REL-002", unlink_removes_name_keeps_view),
	MC_CASE("REL-003", memory_released_after_last_unmap),
	MC_CASE("REL-004", unlink_keeps_pages_while_view_exists),
	MC_CASE("REL-005", memory_released_when_last_holder_killed),
	MC_CASE("REL-006", memory_released_when_last_holder_crashes),
	MC_CASE("REL-007", memory_released_when_last_of_eight_ends),
	MC_CASE("REL-008", object_outlives_its_killed_creator),
	MC_CASE("REL-009", memory_released_when_last_of_eight_unmaps),
	MC_CASE("REL-010", object_outlives_its_crashed_creator),
	MC_CASE("REL-011", name_outlives_last_handle),
	MC_CASE("REL-012", name_outlives_last_view),
	MC_CASE("REL-013", name_outlives_its_creator_alone),
};
MC_MAIN("release", cases)
