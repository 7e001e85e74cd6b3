/*
 * Named objects (C4): a name finds the same object in every process;
 * creating an existing name and opening a missing one are refused.
 */
#include "mapconf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/*
 * NAME-001: An agent that opens a name gets the object another agent created
 * under it.
 */
static void same_name_opens_same_object(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t va = mc_create_map(a, obj);

	mc_write_text(a, va, "written by the creator");
	uintptr_t vb = mc_open_map(b, obj);
	mc_check_reads("opener-reads-creator-write", b, vb, "written by the creator");
	mc_write_text(b, vb + 100, "written by the opener");
	mc_check_reads("creator-reads-opener-write", a, va + 100, "written by the opener");
}

/*
 * The object that has obj's name: obj itself, but for win32-file another
 * file with the same last component, in the directory above the scratch
 * directory (the run's own, removed with the run). A win32-file's section is
 * named by that component, and its file is created (CREATE_NEW) before the
 * section: a create of obj's very path would be refused for the file, and
 * the section's name never tried.
 */
static struct mc_object *same_name(struct mc_object *obj)
{
	if (strcmp(mc_backend()->name, "win32-file") != 0)
		return obj;
	struct mc_object *other = mc_object_new(obj->size);
	const char *last = strrchr(obj->name, '/');
	int above = (int)(last - obj->name);

	while (above > 0 && obj->name[above - 1] != '/')
		above--;
	snprintf(other->name, sizeof(other->name), "%.*s%s", above, obj->name, last + 1);
	return other;
}

/*
 * NAME-002: An exclusive create of a name that already exists fails with
 * already_exists.
 */
static void exclusive_create_of_existing_name_fails(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_create(a, obj);
	struct mc_reply r = mc_try_create(b, same_name(obj));
	mc_check_error("exclusive-create-refused", &r, "already_exists", "B creates the name A created");
}

/* NAME-003: Opening a name that no object has fails with not_found. */
static void opening_missing_name_fails(void)
{
	struct mc_object *never_created = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	struct mc_reply r = mc_try_open(a, never_created, "rw");
	mc_check_error("open-missing-refused", &r, "not_found", "A opens a name nobody created");
}

/* NAME-004: A new object reads as zero bytes in every page. */
static void new_object_reads_as_zero(void)
{
	static const unsigned char zeros[4 * MC_PAGE];
	struct mc_object *obj = mc_object_new(sizeof(zeros));
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	struct mc_reply r = mc_checksum(a, va, sizeof(zeros));
	mc_check_compare("new-object-is-zero", mc_answered(&r, "sum"), "==", mc_number(mc_range_sum(zeros, sizeof(zeros))));
}

/*
 * NAME-005: Names are case-sensitive: the upper-case spelling of a name finds
 * nothing.
 */
static void names_are_case_sensitive(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_object *upper = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	for (size_t i = 0; i <= strlen(obj->name); i++)
		upper->name[i] = (char)toupper((unsigned char)obj->name[i]);
	mc_create(a, obj);
	struct mc_reply r = mc_try_open(a, upper, "rw");
	mc_check_error("upper-case-name-not-found", &r, "not_found",
		       "A opens the upper-case spelling of its object's name");
}

/*
 * NAME-006: A name with a slash after the leading one is refused
 * (invalid_argument).
 */
static void name_with_inner_slash_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	strcat(obj->name, "/inner");
	struct mc_reply r = mc_try_create(a, obj);
	mc_check_error("inner-slash-refused", &r, "invalid_argument", "A creates a name with an inner slash");
}

/* NAME-007: A name longer than NAME_MAX is refused (name_too_long). */
static void too_long_name_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	/* 300 characters after the last slash, wherever the scratch directory is */
	const char *last = strrchr(obj->name, '/');
	size_t end = (size_t)(last ? last + 1 - obj->name : 0) + 300;

	if (end >= sizeof(obj->name))
		MC_BROKEN("long-name", "the scratch directory's path is too long to build a 300-character name in it");
	for (size_t n = strlen(obj->name); n < end; n++)
		obj->name[n] = 'x';
	obj->name[end] = '\0';
	struct mc_reply r = mc_try_create(a, obj);
	mc_check_error("long-name-refused", &r, "name_too_long", "A creates a name of about 300 characters");
}

/*
 * The program that would hold a's descriptors if they were inherited: a's
 * next one, after exec. Win32 has no exec; there it is a child that a
 * spawns with handle inheritance on (CreateProcess bInheritHandles=TRUE)
 * and gives no handle, so it holds only what is inheritable.
 */
static struct mc_agent *next_program(struct mc_agent *a)
{
	if (strncmp(mc_backend()->name, "win32-", 6) == 0)
		return mc_spawn(a, "C", NULL);
	mc_exec(a);
	return a;
}

/*
 * NAME-008: The descriptor of a created object is close-on-exec (Win32: its
 * handle is not inheritable).
 *
 * The object holds a marker; after exec the number of A's descriptor must not
 * lead to it.
 */
static void descriptor_is_close_on_exec(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	const char *marker = mc_marker("object");
	struct mc_handle h = mc_create(a, obj);
	uint64_t raw = mc_raw_handle(a, h);

	mc_write_text(a, mc_map(a, h, MC_PAGE), marker);
	struct mc_reply before = mc_try_read_through_raw(a, raw, strlen(marker));
	mc_require_read("descriptor-reaches-object", &before, marker,
			"A reading its own object through its descriptor");
	struct mc_agent *next = next_program(a);
	struct mc_reply after = mc_try_read_through_raw(next, raw, strlen(marker));
	mc_check_not_read("descriptor-close-on-exec", &after, marker,
			  "after exec (Win32: in a child spawned with inheritance on), a read through A's descriptor "
			  "(Win32: handle value)");
}

/*
 * NAME-009: The mode an object is created with is honoured, masked by the umask
 * (0666 under 022 gives 0644).
 */
static void mode_is_masked_by_umask(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_umask(a, 022);
	struct mc_reply r = mc_stat(a, mc_create(a, obj, .mode = 0666));
	mc_check_answer("mode-masked-by-umask", &r, "ok mode=0644", "created with mode 0666 under umask 022");
}

/*
 * NAME-010: A new object (shm_open, a new file, memfd_create) has size 0 until
 * it is resized: fstat says 0, touching a view of it faults, and after it is
 * resized to a page the view reads.
 */
static void new_object_is_empty_until_resized(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	struct mc_handle h = mc_create(a, obj, .unsized = 1);

	struct mc_reply r = mc_stat(a, h);
	mc_check_answer("new-object-size-zero", &r, "ok size=0", "fstat of A's new object, never resized");
	uintptr_t va = mc_map(a, h, MC_PAGE);
	mc_check_faults("view-of-empty-object-faults", a, va, "read");
	mc_resize(a, h, MC_PAGE);
	mc_check_accessible("view-reads-after-resize", a, va, "read");
}

/*
 * NAME-011: Once its name is removed, the name can be created anew
 * (exclusively): the new object reads as zeros, and a view of the old one keeps
 * what it held.
 */
static void removed_name_can_be_created_anew(void)
{
	static const unsigned char zeros[MC_PAGE];
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");
	uintptr_t old_view = mc_create_map(a, obj);

	mc_write_text(a, old_view, "the old object");
	mc_unlink(a, obj);
	struct mc_reply created = mc_try_create(b, obj);
	mc_check_ok("name-created-anew", &created, "B creates, exclusively, the name A removed");
	struct mc_reply fresh = mc_checksum(b, mc_map(b, mc_handle_of(&created), MC_PAGE), MC_PAGE);
	mc_check_compare("new-object-fresh", mc_answered(&fresh, "sum"), "==", mc_number(mc_range_sum(zeros, MC_PAGE)),
			 "checksum of B's object under the removed name");
	mc_check_reads("old-view-keeps-data", a, old_view, "the old object");
}

static const struct mc_case cases[] = {
	MC_CASE("NAME-001", same_name_opens_same_object),
	MC_CASE("NAME-002", exclusive_create_of_existing_name_fails),
	MC_CASE("NAME-003", opening_missing_name_fails),
	MC_CASE("NAME-004", new_object_reads_as_zero),
	MC_CASE("NAME-005", names_are_case_sensitive),
	MC_CASE("NAME-006", name_with_inner_slash_is_refused),
	MC_CASE("NAME-007", too_long_name_is_refused),
	MC_CASE("NAME-008", descriptor_is_close_on_exec),
	MC_CASE("NAME-009", mode_is_masked_by_umask),
	MC_CASE("NAME-010", new_object_is_empty_until_resized),
	MC_CASE("NAME-011", removed_name_can_be_created_anew),
};
MC_MAIN("names", cases)
