/*
 * Checks: the statements a case makes about the platform. Each one counts
 * as a check in the result record and, when it does not hold, ends the case
 * as FAIL with its label and with what was expected and what came back.
 *
 * Every check has a label, its first argument: lowercase words joined by
 * hyphens, unique within its case, saying what the check states
 * ("b-reads-a-write"). It is the check's stable name: the spec table's
 * expectations name it (check = "..."), so renaming one is like
 * renumbering an assertion ID.
 */
#ifndef MAPCONF_CHECKS_H
#define MAPCONF_CHECKS_H

#include "steps.h"

#include <stdbool.h>

void mc_check_true_at(MC_WHERE, const char *label, bool cond, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void mc_check_error_at(MC_WHERE, const char *label, const struct mc_reply *r, const char *code,
		       const char *what);
void mc_check_ok_at(MC_WHERE, const char *label, const struct mc_reply *r, const char *what);
/* a can write text at addr (the write itself is what is checked) */
void mc_check_writes_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *text);
void mc_check_reads_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *text);
void mc_check_faults_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *access);
void mc_check_accessible_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr,
			    const char *access);
/* a has no way to the text at addr: reading there faults, or finds something else */
void mc_check_unreachable_at(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr,
			     const char *text);
void mc_check_file_holds_at(MC_WHERE, const char *label, struct mc_agent *a, const struct mc_object *o,
			    uint64_t offset, const char *text);
/*
 * Memory of kind (alloc kind=...) that a writes a marker into is not
 * reachable by b at its address. The caller has shown that a and b share an
 * object (mc_share_object), so that only the allocation is told apart.
 */
void mc_check_allocation_private_at(MC_WHERE, const char *label, struct mc_agent *a, struct mc_agent *b,
				    const char *kind, uint64_t size);

#define MC_CHECK(label, cond, ...) mc_check_true_at(MC_HERE, MC_LABEL(label), (cond), __VA_ARGS__)
#define mc_check_error(label, r, code, what) mc_check_error_at(MC_HERE, MC_LABEL(label), r, code, what)
#define mc_check_ok(label, r, what)          mc_check_ok_at(MC_HERE, MC_LABEL(label), r, what)
#define mc_check_writes(label, a, addr, text) mc_check_writes_at(MC_HERE, MC_LABEL(label), a, addr, text)
#define mc_check_reads(label, a, addr, text) mc_check_reads_at(MC_HERE, MC_LABEL(label), a, addr, text)
#define mc_check_faults(label, a, addr, access) mc_check_faults_at(MC_HERE, MC_LABEL(label), a, addr, access)
#define mc_check_accessible(label, a, addr, access) \
	mc_check_accessible_at(MC_HERE, MC_LABEL(label), a, addr, access)
#define mc_check_unreachable(label, a, addr, text) \
	mc_check_unreachable_at(MC_HERE, MC_LABEL(label), a, addr, text)
#define mc_check_file_holds(label, a, o, off, text) \
	mc_check_file_holds_at(MC_HERE, MC_LABEL(label), a, o, off, text)
#define mc_check_allocation_private(label, a, b, kind, size) \
	mc_check_allocation_private_at(MC_HERE, MC_LABEL(label), a, b, kind, size)

#endif
