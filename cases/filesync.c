/*
 * File updated at release and by a flush (C9, C10). The file is read with
 * read(2) by an agent that has no view, so what it sees is the file, not a
 * mapping (on Linux both share the page cache; on platforms that keep them
 * apart, this is where it shows).
 */
#include "mapconf.h"

/*
 * FILE-001: After a flush, read(2) of the file returns the data while the view
 * stays mapped.
 *
 * The flush covers two pages, both written: a flush that writes back only part
 * of its range shows on the later page.
 */
static void flush_updates_file_while_mapped(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va + 10, "flushed to the file");
	mc_write_text(a, va + MC_PAGE + 10, "flushed from a later page");
	mc_flush(a, va, 2 * MC_PAGE);
	mc_check_file_holds("file-holds-flushed-data", reader, obj, 10, "flushed to the file");
	mc_check_file_holds("file-holds-later-page", reader, obj, MC_PAGE + 10, "flushed from a later page");
}

/*
 * FILE-002: After the last unmap, read(2) of the file returns every write made
 * through the view.
 */
static void file_holds_writes_after_last_unmap(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t va = mc_map(a, h, 2 * MC_PAGE);

	mc_write_text(a, va, "first page");
	mc_write_text(a, va + MC_PAGE + 5, "second page");
	mc_unmap(a, va, 2 * MC_PAGE);
	mc_close(a, h);
	mc_check_file_holds("file-holds-first-page", reader, obj, 0, "first page");
	mc_check_file_holds("file-holds-second-page", reader, obj, MC_PAGE + 5, "second page");
}

/*
 * FILE-003: A synchronous flush leaves the view's pages clean (no dirty kB in
 * smaps).
 */
static void flush_leaves_pages_clean(void)
{
	struct mc_object *obj = mc_object_new(4 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	mc_fill(a, va, 4 * MC_PAGE, 3);
	struct mc_reply written = mc_dirty_kb(a, va);
	mc_require_compare("dirty-pages-seen", mc_answered(&written, "kb"), ">", mc_number(0));
	mc_flush(a, va, 4 * MC_PAGE);
	struct mc_reply flushed = mc_dirty_kb(a, va);
	mc_check_answer("pages-clean-after-flush", &flushed, "ok kb=0", "A's view after a synchronous flush");
}

/*
 * FILE-004: The file holds the writes of a writer that was killed with SIGKILL.
 */
static void file_holds_writes_after_writer_killed(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "written before the kill");
	mc_kill(a);
	mc_check_file_holds("file-holds-killed-writers-data", reader, obj, 0, "written before the kill");
}

/*
 * FILE-005: After the last unmap, read(2) of the file returns the writes both
 * agents made through their own views.
 */
static void file_holds_every_agents_writes(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B"), *reader = mc_agent_start("R");
	struct mc_handle ha = mc_create(a, obj), hb = mc_open(b, obj, "rw");
	uintptr_t va = mc_map(a, ha, MC_PAGE), vb = mc_map(b, hb, MC_PAGE);

	mc_write_text(a, va, "written by A");
	mc_write_text(b, vb + 100, "written by B");
	mc_unmap(a, va, MC_PAGE);
	mc_unmap(b, vb, MC_PAGE);
	mc_close(a, ha);
	mc_close(b, hb);
	mc_check_file_holds("file-holds-a-write", reader, obj, 0, "written by A");
	mc_check_file_holds("file-holds-b-write", reader, obj, 100, "written by B");
}

/*
 * FILE-006: After a write through the view and a flush, the file's modification
 * time is updated.
 */
static void flush_updates_mtime(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj);

	mc_touch_mtime(a, h, 1);
	uintptr_t va = mc_map(a, h, MC_PAGE);
	mc_write_text(a, va, "changes the mtime");
	mc_flush(a, va, MC_PAGE);
	struct mc_reply r = mc_stat(a, h);
	mc_check_compare("mtime-updated", mc_answered(&r, "mtime_ns"), ">", mc_number(1000000000));
}

/*
 * FILE-007: A flush asking for both MS_SYNC and MS_ASYNC is refused
 * (invalid_argument).
 */
static void flush_with_sync_and_async_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	struct mc_reply r = mc_try_flush(a, va, MC_PAGE, "both");
	mc_check_error("sync-and-async-refused", &r, "invalid_argument", "A flushes with MS_SYNC|MS_ASYNC");
}

/*
 * FILE-008: A flush at an address that is not page-aligned is refused
 * (invalid_argument).
 */
static void flush_at_misaligned_address_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	struct mc_reply r = mc_try_flush(a, va + 1, 16, "sync");
	mc_check_error("misaligned-flush-refused", &r, "invalid_argument", "A flushes at view + 1");
}

/*
 * FILE-009: A flush of a range that is no longer mapped fails with no_memory
 * (ENOMEM).
 */
static void flush_of_unmapped_range_fails(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	mc_unmap(a, va, MC_PAGE);
	struct mc_reply r = mc_try_flush(a, va, MC_PAGE, "sync");
	mc_check_error("unmapped-flush-refused", &r, "no_memory", "A flushes the range it unmapped");
}

/*
 * FILE-010: A write through a view at offset 4 GiB, flushed, is in the file at
 * 4 GiB (read(2)): the offset does not wrap at 32 bits.
 *
 * The file is sparse, so the case stays small.
 */
static void flush_past_4gib_reaches_file_there(void)
{
	const uint64_t four_gib = 4ULL << 30;
	struct mc_object *obj = mc_object_new(four_gib + MC_GRANULE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	uintptr_t va = mc_map(a, mc_create(a, obj), MC_GRANULE, .offset = four_gib);

	mc_write_text(a, va + 10, "four gibibytes and ten bytes in");
	mc_flush(a, va, MC_PAGE);
	mc_check_file_holds("file-holds-it-at-4gib", reader, obj, four_gib + 10, "four gibibytes and ten bytes in");
}

/*
 * FILE-011: What write(2) (Win32: WriteFile) puts in the object through a
 * descriptor of another process is seen at once through a live view, whose page
 * was read before the write.
 */
static void file_write_seen_through_live_view(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *w = mc_agent_start("W");
	uintptr_t va = mc_create_map(a, obj);

	mc_checksum(a, va, MC_PAGE);   /* the page is in A's view before the write */
	mc_pwrite_text(w, obj, 10, "written with write(2)");
	mc_check_reads("view-sees-the-write", a, va + 10, "written with write(2)");
}

/*
 * FILE-012: A flush of one page of a two-page view (msync of that page alone)
 * writes it back: afterwards the view has at least a page fewer dirty kB
 * (smaps).
 */
static void flush_of_one_page_cleans_it(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va + 10, "first page, not flushed");
	mc_write_text(a, va + MC_PAGE + 10, "second page, flushed");
	struct mc_reply written = mc_dirty_kb(a, va);
	mc_require_compare("dirty-pages-seen", mc_answered(&written, "kb"), ">=", mc_number(2 * MC_PAGE / 1024));
	mc_flush(a, va + MC_PAGE, MC_PAGE);
	struct mc_reply flushed = mc_dirty_kb(a, va);
	mc_check_compare("flushed-page-clean", mc_answered_plus(&flushed, "kb", MC_PAGE / 1024), "<=",
			 mc_answered(&written, "kb"));
}

/*
 * FILE-013: A write(2) past the object's end grows it, and another process's
 * view that reaches past the old end reads the new bytes there.
 */
static void write_past_end_seen_through_longer_view(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *w = mc_agent_start("W");
	uintptr_t va = mc_map(a, mc_create(a, obj), 2 * MC_PAGE);

	mc_pwrite_text(w, obj, MC_PAGE + 10, "grown by write(2)");
	mc_check_reads("view-reads-grown-page", a, va + MC_PAGE + 10, "grown by write(2)");
}

/*
 * FILE-014: A flush of one page that starts inside the view (the second page of
 * a three-page view; Win32: FlushViewOfFile) writes that page to the file:
 * read(2) (Win32: ReadFile) by another process returns what was written there,
 * while the view stays mapped.
 */
static void flush_from_inside_the_view_reaches_file(void)
{
	struct mc_object *obj = mc_object_new(3 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va + MC_PAGE + 10, "on the second page, flushed alone");
	mc_flush(a, va + MC_PAGE, MC_PAGE);
	mc_check_file_holds("file-holds-flushed-page", reader, obj, MC_PAGE + 10, "on the second page, flushed alone");
}

/*
 * FILE-015: A flush of three pages from inside a five-page view (its second to
 * fourth pages; Win32: FlushViewOfFile) writes each of them to the file:
 * read(2) (Win32: ReadFile) by another process returns what was written on
 * each, while the view stays mapped.
 */
static void flush_of_pages_inside_the_view_reaches_file(void)
{
	struct mc_object *obj = mc_object_new(5 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va + 1 * MC_PAGE + 10, "the range's first page");
	mc_write_text(a, va + 2 * MC_PAGE + 10, "the range's middle page");
	mc_write_text(a, va + 3 * MC_PAGE + 10, "the range's last page");
	mc_flush(a, va + MC_PAGE, 3 * MC_PAGE);
	mc_check_file_holds("file-holds-range-first-page", reader, obj, 1 * MC_PAGE + 10, "the range's first page");
	mc_check_file_holds("file-holds-range-middle-page", reader, obj, 2 * MC_PAGE + 10, "the range's middle page");
	mc_check_file_holds("file-holds-range-last-page", reader, obj, 3 * MC_PAGE + 10, "the range's last page");
}

/*
 * FILE-016: A flush of a range that ends at the view's end (the last two pages
 * of a four-page view; Win32: FlushViewOfFile) writes both pages to the file:
 * read(2) (Win32: ReadFile) by another process returns what was written on
 * each, the view's last page included, while the view stays mapped.
 */
static void flush_to_the_views_end_reaches_file(void)
{
	struct mc_object *obj = mc_object_new(4 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va + 2 * MC_PAGE + 10, "the view's next to last page");
	mc_write_text(a, va + 3 * MC_PAGE + 10, "the view's last page");
	mc_flush(a, va + 2 * MC_PAGE, 2 * MC_PAGE);
	mc_check_file_holds("file-holds-next-to-last-page", reader, obj, 2 * MC_PAGE + 10,
			    "the view's next to last page");
	mc_check_file_holds("file-holds-last-page", reader, obj, 3 * MC_PAGE + 10, "the view's last page");
}

static const struct mc_case cases[] = {
	MC_CASE("FILE-001", flush_updates_file_while_mapped),
	MC_CASE("FILE-002", file_holds_writes_after_last_unmap),
	MC_CASE("FILE-003", flush_leaves_pages_clean),
	MC_CASE("FILE-004", file_holds_writes_after_writer_killed),
	MC_CASE("FILE-005", file_holds_every_agents_writes),
	MC_CASE("FILE-006", flush_updates_mtime),
	MC_CASE("FILE-007", flush_with_sync_and_async_is_refused),
	MC_CASE("FILE-008", flush_at_misaligned_address_is_refused),
	MC_CASE("FILE-009", flush_of_unmapped_range_fails),
	MC_CASE("FILE-010", flush_past_4gib_reaches_file_there),
	MC_CASE("FILE-011", file_write_seen_through_live_view),
	MC_CASE("FILE-012", flush_of_one_page_cleans_it),
	MC_CASE("FILE-013", write_past_end_seen_through_longer_view),
	MC_CASE("FILE-014", flush_from_inside_the_view_reaches_file),
	MC_CASE("FILE-015", flush_of_pages_inside_the_view_reaches_file),
	MC_CASE("FILE-016", flush_to_the_views_end_reaches_file),
};
MC_MAIN("filesync", cases)
