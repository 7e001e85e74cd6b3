/*
 * File updated at release and by a flush (C9, C10). The file is read with
 * read(2) by an agent that has no view, so what it sees is the file, not a
 * mapping (on Linux both share the page cache; on platforms that keep them
 * apart, this is where it shows).
 */
#include "mapconf.h"

/* FILE-001: after a flush, the file holds the data while the view stays mapped. */
static void flush_updates_file_while_mapped(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va + 10, "flushed to the file");
	mc_flush(a, va, MC_PAGE);
	mc_check_file_holds(reader, obj, 10, "flushed to the file");
}

/* FILE-002: after the last unmap, the file holds every write. */
static void file_holds_writes_after_last_unmap(void)
{
	struct mc_object *obj = mc_object_new(2 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	struct mc_handle h = mc_create(a, obj);
	uintptr_t va = mc_map(a, h, 0, 2 * MC_PAGE, "rw");

	mc_write_text(a, va, "first page");
	mc_write_text(a, va + MC_PAGE + 5, "second page");
	mc_unmap(a, va, 2 * MC_PAGE);
	mc_close(a, h);
	mc_check_file_holds(reader, obj, 0, "first page");
	mc_check_file_holds(reader, obj, MC_PAGE + 5, "second page");
}

/* FILE-003: a synchronous flush leaves the view's pages clean. */
static void flush_leaves_pages_clean(void)
{
	struct mc_object *obj = mc_object_new(4 * MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	mc_fill(a, va, 4 * MC_PAGE, 3);
	if (mc_dirty_kb(a, va) == 0)
		mc_broken(__FILE__, __LINE__, "A's view shows no dirty pages after writing 16 kB: cleanliness cannot be measured");
	mc_flush(a, va, 4 * MC_PAGE);
	uint64_t dirty = mc_dirty_kb(a, va);
	MC_CHECK(dirty == 0, "A's view still has %llu kB dirty after a synchronous flush",
		 (unsigned long long)dirty);
}

/* FILE-004: the file holds the writes of a writer that was killed. */
static void file_holds_writes_after_writer_killed(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *reader = mc_agent_start("R");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "written before the kill");
	mc_kill(a);
	mc_check_file_holds(reader, obj, 0, "written before the kill");
}

static const struct mc_case cases[] = {
	MC_CASE("FILE-001", flush_updates_file_while_mapped),
	MC_CASE("FILE-002", file_holds_writes_after_last_unmap),
	MC_CASE("FILE-003", flush_leaves_pages_clean),
	MC_CASE("FILE-004", file_holds_writes_after_writer_killed),
};
MC_MAIN("filesync", cases)
