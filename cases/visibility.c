/*
 * Views share pages (C5): every view of one object, in every process, is
 * the same memory; a private view is the exception that proves it.
 */
#include "mapconf.h"

#include <stdio.h>
#include <string.h>

/*
 * VIS-001: A write through one agent's view is read through another agent's
 * view of the same object.
 */
static void write_in_a_is_read_by_b(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);
	uintptr_t vb = mc_open_map(b, obj);

	mc_write_text(a, va, "visible in every view");
	mc_check_reads("b-reads-a-write", b, vb, "visible in every view");
}

/* VIS-002: Two views of one object in one process alias each other. */
static void two_views_in_one_process_alias(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t first = mc_map(a, h, MC_PAGE);
	uintptr_t second = mc_map(a, h, MC_PAGE);

	mc_check_compare("views-at-two-addresses", mc_address(first), "!=", mc_address(second),
			 "addresses of A's two views");
	mc_write_text(a, first + 64, "through the first view");
	mc_check_reads("second-view-reads-first-write", a, second + 64, "through the first view");
}

/* The checksum a fill of 1 MiB with this seed gives, computed here, not by an agent. */
static uint64_t expected_fill_sum(uint64_t seed)
{
	static unsigned char bytes[1 << 20];

	for (uint64_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = mc_fill_byte(seed, i);
	return mc_range_sum(bytes, sizeof(bytes));
}

/*
 * VIS-003: Every page of a 1 MiB object written through one agent's view reads
 * the same through another's.
 */
static void every_page_is_shared(void)
{
	const uint64_t size = 1 << 20, seed = 7;
	struct mc_object *obj = mc_object_new(size);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);
	uintptr_t vb = mc_open_map(b, obj);

	mc_fill(a, va, size, seed);
	struct mc_reply sum = mc_checksum(b, vb, size);
	uint64_t expected = expected_fill_sum(seed);
	mc_check_compare("b-checksum-matches", mc_answered(&sum, "sum"), "==", mc_number(expected));
}

/*
 * VIS-004: A view mapped at an offset shows the object's bytes at that offset.
 */
static void view_at_offset_shows_those_bytes(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);
	struct mc_handle hb = mc_open(b, obj, "rw");
	uintptr_t vb = mc_map(b, hb, MC_GRANULE, .offset = MC_GRANULE);

	mc_write_text(a, va + MC_GRANULE, "at the second granule");
	mc_check_reads("b-reads-at-offset", b, vb, "at the second granule");
}

/* VIS-005: Writes through a private (copy-on-write) view stay in that view. */
static void private_view_writes_stay_private(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "the shared content");
	uintptr_t vb = mc_map(b, mc_open(b, obj, "rw"), MC_PAGE, .private_copy = 1);
	mc_check_reads("private-view-reads-shared", b, vb, "the shared content");
	mc_write_text(b, vb, "B's private copy!!");
	mc_check_reads("private-view-reads-own-write", b, vb, "B's private copy!!");
	mc_check_reads("shared-view-unchanged", a, va, "the shared content");
}

/*
 * VIS-006: A file that existed before the case (made by the runner before the
 * run; with --filesystem overlayfs, on the lower layer before the overlay was
 * mounted) is one file for all its views: A's read-only shared view sees what B
 * then writes through its read-write view.
 *
 * On an overlay whose lower layer holds the file, B's opening it for writing
 * copies it up to the upper layer.
 */
static void file_made_before_is_one_file(void)
{
	struct mc_object *obj = mc_object_made_before();
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_map(a, mc_open(a, obj, "r"), MC_MADE_BEFORE_SIZE, .prot = "r");
	uintptr_t vb = mc_map(b, mc_open(b, obj, "rw"), MC_MADE_BEFORE_SIZE);

	mc_write_text(b, vb + 64, "written by B");
	mc_check_reads("a-sees-b-write", a, va + 64, "written by B");
}

/* How many agents VIS-007 starts, each with a view of its own. */
#define EIGHT 8

/*
 * VIS-007: What each of eight processes writes through its own view of one
 * object, every one of the eight reads through its view: the views of all
 * processes share the pages, not only those of two.
 */
static void eight_agents_see_every_write(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *agents[EIGHT];
	uintptr_t views[EIGHT];
	char all[EIGHT * 16 + 1] = "";

	for (int i = 0; i < EIGHT; i++) {
		agents[i] = mc_agent_start(mc_agent_letter(i));
		views[i] = i == 0 ? mc_create_map(agents[i], obj) : mc_open_map(agents[i], obj);
	}
	/* slot i of 16 bytes holds "written by X...." */
	for (int i = 0; i < EIGHT; i++) {
		char slot[17];

		snprintf(slot, sizeof(slot), "written by %s....", mc_agent_letter(i));
		mc_write_text(agents[i], views[i] + 16 * (uintptr_t)i, slot);
		strcat(all, slot);
	}
	for (int i = 0; i < EIGHT; i++)
		mc_check_reads("every-agent-reads-every-write", agents[i], views[i], all);
}

/*
 * VIS-008: Views of one object at overlapping offsets (one granule apart, in
 * one process and in two) show the same bytes where they overlap, both ways.
 *
 * The second granule of the object is the first of a view at that offset.
 */
static void overlapping_views_share_their_overlap(void)
{
	struct mc_object *obj = mc_object_new(3 * MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	struct mc_handle ha = mc_create(a, obj), hb = mc_open(b, obj, "rw");
	uintptr_t whole = mc_map(a, ha, 2 * MC_GRANULE);
	uintptr_t later = mc_map(a, ha, 2 * MC_GRANULE, .offset = MC_GRANULE);
	uintptr_t in_b = mc_map(b, hb, 2 * MC_GRANULE, .offset = MC_GRANULE);

	mc_write_text(a, whole + MC_GRANULE + 8, "in the overlap");
	mc_check_reads("overlapping-view-in-a-reads-it", a, later + 8, "in the overlap");
	mc_check_reads("overlapping-view-in-b-reads-it", b, in_b + 8, "in the overlap");
	mc_write_text(b, in_b + 16, "from B's view");
	mc_check_reads("a-reads-b-write-in-overlap", a, whole + MC_GRANULE + 16, "from B's view");
}

/*
 * VIS-009: A read-only view (PROT_READ, SHM_RDONLY; Win32: FILE_MAP_READ) of an
 * object opened read-only sees what another process writes afterwards through
 * its writable view, though the page was in the view before the write.
 */
static void read_only_view_sees_later_writes(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);
	uintptr_t vb = mc_map(b, mc_open(b, obj, "r"), MC_PAGE, .prot = "r");

	mc_checksum(b, vb, MC_PAGE);   /* the page is in B's view before A writes */
	mc_write_text(a, va, "written after B mapped it read-only");
	mc_check_reads("read-only-view-sees-write", b, vb, "written after B mapped it read-only");
}

/*
 * VIS-010: A private view (MAP_PRIVATE) mapped read-only and made writable
 * later by mprotect is still copy-on-write: what is written through it stays in
 * it, another process's shared view does not see it, and the object (read(2))
 * is unchanged.
 */
static void private_view_made_writable_stays_private(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "the shared content");
	uintptr_t vb = mc_map(b, mc_open(b, obj, "rw"), MC_PAGE, .private_copy = 1, .prot = "r");
	mc_protect(b, vb, MC_PAGE, "rw");
	mc_write_text(b, vb, "B's write after mprotect");
	mc_check_reads("private-view-reads-own-write", b, vb, "B's write after mprotect");
	mc_check_reads("shared-view-unchanged", a, va, "the shared content");
	mc_check_file_holds("object-unchanged", a, obj, 0, "the shared content");
}

/*
 * VIS-011: A page of a private view (MAP_PRIVATE) written, then made read-only
 * and writable again by mprotect, keeps its private copy: it reads what was
 * written through it, not what another process writes to the object afterwards,
 * and that process's shared view holds only its own write.
 */
static void reprotected_private_page_keeps_its_copy(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);
	uintptr_t vb = mc_map(b, mc_open(b, obj, "rw"), MC_PAGE, .private_copy = 1);

	mc_write_text(b, vb, "B's private copy");
	mc_protect(b, vb, MC_PAGE, "r");
	mc_check_reads("copy-kept-read-only", b, vb, "B's private copy");
	mc_protect(b, vb, MC_PAGE, "rw");
	mc_write_text(a, va, "A's write after B's copy");
	mc_check_reads("copy-kept-writable-again", b, vb, "B's private copy");
	mc_check_reads("shared-view-has-only-a-write", a, va, "A's write after B's copy");
}

static const struct mc_case cases[] = {
	MC_CASE("VIS-001", write_in_a_is_read_by_b),
	MC_CASE("VIS-002", two_views_in_one_process_alias),
	MC_CASE("VIS-003", every_page_is_shared),
	MC_CASE("VIS-004", view_at_offset_shows_those_bytes),
	MC_CASE("VIS-005", private_view_writes_stay_private),
	MC_CASE("VIS-006", file_made_before_is_one_file),
	MC_CASE("VIS-007", eight_agents_see_every_write),
	MC_CASE("VIS-008", overlapping_views_share_their_overlap),
	MC_CASE("VIS-009", read_only_view_sees_later_writes),
	MC_CASE("VIS-010", private_view_made_writable_stays_private),
	MC_CASE("VIS-011", reprotected_private_page_keeps_its_copy),
};
MC_MAIN("visibility", cases)
