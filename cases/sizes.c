/*
 * Sizes (C5): a view shows the object's pages and no more. The tail of a
 * partial last page reads as zero, whole pages past the end fault with
 * SIGBUS (not SIGSEGV), shrinking takes pages away and regrowing brings
 * back zeros; a view of zero length or at a misaligned offset is refused.
 * Sizes and offsets past 4 GiB are exact: nothing wraps at 32 bits, the
 * classic bug of emulators, compatibility layers and 32-bit ABIs.
 */
#include "mapconf.h"

#include <string.h>

/* The checksum of length zero bytes (at most a page), computed here. */
static struct mc_term zeros_sum(uint64_t length)
{
	static const unsigned char zeros[MC_PAGE];

	return mc_number(mc_range_sum(zeros, length));
}

/* SIZE-001: The tail of a partial last page reads as zero bytes. */
static void partial_last_page_tail_reads_zero(void)
{
	struct mc_object *obj = mc_object_new(100);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_map(a, mc_create(a, obj), MC_PAGE);

	struct mc_reply tail = mc_checksum(a, va + 100, MC_PAGE - 100);
	mc_check_compare("tail-reads-zero", mc_answered(&tail, "sum"), "==", zeros_sum(MC_PAGE - 100),
			 "checksum of the page past the object's end");
}

/*
 * SIZE-002: Touching a whole page past the end of the object faults with
 * SIGBUS, not SIGSEGV.
 */
static void page_past_end_faults_with_sigbus(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_map(a, mc_create(a, obj), 2 * MC_PAGE);

	struct mc_reply r = mc_probe(a, va + MC_PAGE, "read");
	mc_check_answer("past-end-is-bus-error", &r, "ok result=bus", "reading the page past a one-page object");
}

/*
 * SIZE-003: Pages cut off by shrinking the object fault; after regrowing, they
 * read as zero.
 */
static void shrink_faults_and_regrow_reads_zero(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t va = mc_map(a, h, 2 * MC_PAGE);

	mc_fill(a, va, 2 * MC_PAGE, 9);
	mc_resize(a, h, MC_PAGE);
	mc_check_faults("beyond-old-size-faults", a, va + MC_PAGE, "read");
	mc_resize(a, h, 2 * MC_PAGE);
	struct mc_reply grown = mc_checksum(a, va + MC_PAGE, MC_PAGE);
	mc_check_compare("grown-page-reads-zero", mc_answered(&grown, "sum"), "==", zeros_sum(MC_PAGE),
			 "checksum of the regrown page");
}

/* SIZE-004: A view of zero length is refused (invalid_argument). */
static void zero_length_view_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	struct mc_reply r = mc_try_map(a, mc_create(a, obj), 0);
	mc_check_error("zero-length-refused", &r, "invalid_argument", "A maps zero bytes");
}

/*
 * SIZE-005: A view at an offset that is not page-aligned is refused
 * (invalid_argument).
 */
static void misaligned_offset_is_refused(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	struct mc_reply r = mc_try_map(a, mc_create(a, obj), MC_PAGE, .offset = 100);
	mc_check_error("misaligned-offset-refused", &r, "invalid_argument", "A maps at offset 100");
}

/* runner/vocabulary.py's "shm-unlimited": more room than a case may fill */
#define ROOM_A_CASE_FILLS (256ULL << 20)

/*
 * SIZE-006: Where shared memory has less room left than an object needs (a
 * limited /dev/shm, as in a container), the object is still made and sized;
 * filling it runs out of room with SIGBUS, and what was written before still
 * reads back.
 *
 * The object is made and sized all the same because its pages come at first
 * touch.
 */
static void object_larger_than_the_room_left(void)
{
	uint64_t room = mc_shm_room();

	if (room > ROOM_A_CASE_FILLS)
		MC_SKIP("room", "/dev/shm has %llu MiB free, more than a case may fill; the case runs where it is "
			"limited (--filesystem shm-SIZE, or a container's /dev/shm)", (unsigned long long)(room >> 20));
	uint64_t size = (room + (1 << 20) + MC_PAGE - 1) & ~(MC_PAGE - 1);
	struct mc_object *obj = mc_object_new(size);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_map(a, mc_create(a, obj), size);

	mc_write_text(a, va, "written first");
	struct mc_reply r = mc_try_fill(a, va + MC_PAGE, size - MC_PAGE, 3);
	mc_check_answer("fill-runs-out-with-sigbus", &r, "err native=SIGBUS", "filling an object larger than the room left");
	mc_check_reads("first-write-kept", a, va, "written first");
}

/* Past 4 GiB: an object one allocation granule longer, and a view of that last granule. Sparse: nothing is filled. */
#define FOUR_GIB (4ULL << 30)
#define PAST_4GIB (FOUR_GIB + MC_GRANULE)

/*
 * SIZE-007: An object larger than 4 GiB (4 GiB + 64 KiB, sparse) has exactly
 * that size, as another process sees it: the size does not wrap at 32 bits.
 */
static void object_past_4gib_has_its_size(void)
{
	struct mc_object *obj = mc_object_new(PAST_4GIB);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_create(a, obj);
	struct mc_reply st = mc_stat(b, mc_open(b, obj, "r"));
	mc_check_compare("size-past-4gib-exact", mc_answered(&st, "size"), "==", mc_number(PAST_4GIB));
}

/*
 * SIZE-008: A view at offset 4 GiB shows what another process wrote through its
 * own view at 4 GiB, and the object's first page stays zero: the offset does
 * not wrap at 32 bits.
 */
static void view_past_4gib_shares_its_own_pages(void)
{
	struct mc_object *obj = mc_object_new(PAST_4GIB);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t a_high = mc_map(a, mc_create(a, obj), MC_GRANULE, .offset = FOUR_GIB);
	struct mc_handle hb = mc_open(b, obj, "rw");
	uintptr_t b_high = mc_map(b, hb, MC_GRANULE, .offset = FOUR_GIB);
	uintptr_t b_start = mc_map(b, hb, MC_GRANULE);

	mc_write_text(a, a_high, "four gibibytes in");
	mc_check_reads("b-reads-at-4gib", b, b_high, "four gibibytes in");
	struct mc_reply start = mc_checksum(b, b_start, MC_PAGE);
	mc_check_compare("start-untouched", mc_answered(&start, "sum"), "==", zeros_sum(MC_PAGE),
			 "checksum of the object's first page");
}

/*
 * SIZE-009: A view longer than its object reaches the pages another process
 * adds by growing the object: it reads what that process writes there.
 */
static void view_reaches_pages_added_by_growth(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_map(a, mc_create(a, obj), 2 * MC_PAGE);
	struct mc_handle hb = mc_open(b, obj, "rw");

	mc_resize(b, hb, 2 * MC_PAGE);
	mc_write_text(b, mc_map(b, hb, 2 * MC_PAGE) + MC_PAGE, "added by growth");
	mc_check_reads("a-reads-grown-page", a, va + MC_PAGE, "added by growth");
}

/*
 * SIZE-010: When another process shrinks the object (ftruncate), the pages cut
 * off fault in a live view (SIGBUS), and the page kept still reads what was
 * written there.
 */
static void shrink_by_another_process_reaches_the_view(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_map(a, mc_create(a, obj), 2 * MC_PAGE);

	mc_write_text(a, va, "in the page kept");
	mc_write_text(a, va + MC_PAGE, "in the page cut off");
	mc_resize(b, mc_open(b, obj, "rw"), MC_PAGE);
	mc_check_faults("cut-page-faults", a, va + MC_PAGE, "read");
	mc_check_reads("kept-page-reads", a, va, "in the page kept");
}

static const struct mc_case cases[] = {
	MC_CASE("SIZE-001", partial_last_page_tail_reads_zero),
	MC_CASE("SIZE-002", page_past_end_faults_with_sigbus),
	MC_CASE("SIZE-003", shrink_faults_and_regrow_reads_zero),
	MC_CASE("SIZE-004", zero_length_view_is_refused),
	MC_CASE("SIZE-005", misaligned_offset_is_refused),
	MC_CASE("SIZE-006", object_larger_than_the_room_left),
	MC_CASE("SIZE-007", object_past_4gib_has_its_size),
	MC_CASE("SIZE-008", view_past_4gib_shares_its_own_pages),
	MC_CASE("SIZE-009", view_reaches_pages_added_by_growth),
	MC_CASE("SIZE-010", shrink_by_another_process_reaches_the_view),
};
MC_MAIN("sizes", cases)
