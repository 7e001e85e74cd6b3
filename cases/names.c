/*
 * Named objects (C4): a name finds the same object in every process;
 * creating an existing name and opening a missing one are refused.
 */
#include "mapconf.h"

#include <ctype.h>
#include <string.h>

/* NAME-001: an agent that opens a name gets the object another agent created under it. */
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

/* NAME-002: an exclusive create of a name that exists fails with already_exists. */
static void exclusive_create_of_existing_name_fails(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A"), *b = mc_agent_start("B");

	mc_create(a, obj);
	struct mc_reply r = mc_try_create(b, obj);
	mc_check_error("exclusive-create-refused", &r, "already_exists", "B creates the name A created");
}

/* NAME-003: opening a name that no object has fails with not_found. */
static void opening_missing_name_fails(void)
{
	struct mc_object *never_created = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	struct mc_reply r = mc_try_open(a, never_created, "rw");
	mc_check_error("open-missing-refused", &r, "not_found", "A opens a name nobody created");
}

/* NAME-004: a new object reads as zero bytes in every page. */
static void new_object_reads_as_zero(void)
{
	static const unsigned char zeros[4 * MC_PAGE];
	struct mc_object *obj = mc_object_new(sizeof(zeros));
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	uint64_t sum = mc_checksum(a, va, sizeof(zeros));
	MC_CHECK("new-object-is-zero", sum == mc_fnv1a(zeros, sizeof(zeros), MC_FNV_OFFSET),
		 "A's new %zu-byte object does not read as zeros (checksum 0x%016llx)",
		 sizeof(zeros), (unsigned long long)sum);
}

/* NAME-005: names are case-sensitive: the same name in upper case finds nothing. */
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

/* NAME-006: a name with a slash after the leading one is refused. */
static void name_with_inner_slash_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	strcat(obj->name, "/inner");
	struct mc_reply r = mc_try_create(a, obj);
	mc_check_error("inner-slash-refused", &r, "invalid_argument", "A creates a name with an inner slash");
}

/* NAME-007: a name longer than the system allows (NAME_MAX) is refused with name_too_long. */
static void too_long_name_is_refused(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	for (size_t n = strlen(obj->name); n < 300; n++)
		obj->name[n] = 'x';
	obj->name[300] = '\0';
	struct mc_reply r = mc_try_create(a, obj);
	mc_check_error("long-name-refused", &r, "name_too_long", "A creates a name of about 300 characters");
}

/* NAME-008: the descriptor of a created object is close-on-exec. */
static void descriptor_is_close_on_exec(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	struct mc_reply r = mc_stat(a, mc_create(a, obj));
	MC_CHECK("descriptor-close-on-exec", mc_field_u64(&r, "cloexec") == 1,
		 "A's new object's descriptor is inherited by exec: \"%s\"",
		 r.text);
}

/* NAME-009: the mode a name is created with is honoured, masked by the umask. */
static void mode_is_masked_by_umask(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_umask(a, 022);
	struct mc_reply r = mc_stat(a, mc_create_with_mode(a, obj, 0666));
	MC_CHECK("mode-masked-by-umask", strcmp(mc_field(&r, "mode"), "0644") == 0,
		 "created with mode 0666 under umask 022: expected mode 0644, got \"%s\"", r.text);
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
};
MC_MAIN("names", cases)
