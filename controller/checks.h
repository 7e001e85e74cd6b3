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

/*
 * Every check says what it requires in a form the trace carries (trace.h),
 * so that a reproducer judges the same thing: an answer's pattern, or a
 * comparison of numbers that answers gave or the case chose.
 */

/*
 * r matches pattern: "ok" or "err", then fields key=value, a value being
 * alternatives joined by '|' (numbers compare as numbers). A leading '!'
 * requires r not to match. "err code=already_exists|invalid_address".
 */
void mc_check_answer_where(MC_WHERE, const char *label, const struct mc_reply *r, const char *pattern,
			   const char *what);

/* Terms (struct mc_term, answers.h): an answer's field plus a constant, or a constant. */
struct mc_term mc_answered_where(MC_WHERE, const struct mc_reply *r, const char *key, int64_t plus);
#define mc_answered(r, key)          mc_answered_where(MC_HERE, r, key, 0)
#define mc_answered_plus(r, key, n)  mc_answered_where(MC_HERE, r, key, n)
#define mc_number(v)                 ((struct mc_term){ .value = (uint64_t)(v) })
#define mc_address(v)                ((struct mc_term){ .value = (uint64_t)(v), .address = true })

/*
 * lhs op rhs, op one of == != < <= > >= and "multiple-of". Its failure
 * says both terms, their values and where they came from; what, when not
 * empty, names the quantity compared ("free huge pages (kB)") and leads
 * the message.
 */
void mc_check_compare_where(MC_WHERE, const char *label, struct mc_term lhs, const char *op, struct mc_term rhs,
			    const char *what);

/*
 * What a case needs before it can check anything, stated like a check and
 * traced as "require": when it does not hold, the case ends as ERROR at
 * step, never as FAIL.
 */
void mc_require_compare_where(MC_WHERE, const char *step, struct mc_term lhs, const char *op, struct mc_term rhs,
			      const char *what);
/* r is a read that found text (a precondition) */
void mc_require_read_where(MC_WHERE, const char *step, const struct mc_reply *r, const char *text, const char *what);
/* r is not a read that found text: it failed, or found something else */
void mc_check_not_read_where(MC_WHERE, const char *label, const struct mc_reply *r, const char *text,
			     const char *what);

void mc_check_error_where(MC_WHERE, const char *label, const struct mc_reply *r, const char *code,
			  const char *what);
void mc_check_ok_where(MC_WHERE, const char *label, const struct mc_reply *r, const char *what);
/* a can write text at addr (the write itself is what is checked) */
void mc_check_writes_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *text);
void mc_check_reads_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *text);
void mc_check_faults_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr, const char *access);
void mc_check_accessible_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr,
			       const char *access);
/* a has no way to the text at addr: reading there faults, or finds something else */
void mc_check_unreachable_where(MC_WHERE, const char *label, struct mc_agent *a, uintptr_t addr,
				const char *text);
void mc_check_file_holds_where(MC_WHERE, const char *label, struct mc_agent *a, const struct mc_object *o,
			       uint64_t offset, const char *text);
/*
 * Memory of kind (alloc kind=...) that a writes a marker into is not
 * reachable by b at its address. The caller has shown that a and b share an
 * object (mc_share_object), so that only the allocation is told apart.
 */
void mc_check_allocation_private_where(MC_WHERE, const char *label, struct mc_agent *a, struct mc_agent *b,
				       const char *kind, uint64_t size);

#define mc_check_answer(label, r, pattern, what) mc_check_answer_where(MC_HERE, MC_LABEL(label), r, pattern, what)
/* The quantity's name, if given, is a string literal: "" before it makes an absent one empty. */
#define mc_check_compare(label, lhs, op, rhs, ...) \
	mc_check_compare_where(MC_HERE, MC_LABEL(label), lhs, op, rhs, "" __VA_ARGS__)
#define mc_require_compare(step, lhs, op, rhs, ...) \
	mc_require_compare_where(MC_HERE, MC_LABEL(step), lhs, op, rhs, "" __VA_ARGS__)
#define mc_require_read(step, r, text, what) mc_require_read_where(MC_HERE, MC_LABEL(step), r, text, what)
#define mc_check_not_read(label, r, text, what) mc_check_not_read_where(MC_HERE, MC_LABEL(label), r, text, what)
#define mc_check_error(label, r, code, what) mc_check_error_where(MC_HERE, MC_LABEL(label), r, code, what)
#define mc_check_ok(label, r, what)          mc_check_ok_where(MC_HERE, MC_LABEL(label), r, what)
#define mc_check_writes(label, a, addr, text) mc_check_writes_where(MC_HERE, MC_LABEL(label), a, addr, text)
#define mc_check_reads(label, a, addr, text) mc_check_reads_where(MC_HERE, MC_LABEL(label), a, addr, text)
#define mc_check_faults(label, a, addr, access) mc_check_faults_where(MC_HERE, MC_LABEL(label), a, addr, access)
#define mc_check_accessible(label, a, addr, access) \
	mc_check_accessible_where(MC_HERE, MC_LABEL(label), a, addr, access)
#define mc_check_unreachable(label, a, addr, text) \
	mc_check_unreachable_where(MC_HERE, MC_LABEL(label), a, addr, text)
#define mc_check_file_holds(label, a, o, off, text) \
	mc_check_file_holds_where(MC_HERE, MC_LABEL(label), a, o, off, text)
#define mc_check_allocation_private(label, a, b, kind, size) \
	mc_check_allocation_private_where(MC_HERE, MC_LABEL(label), a, b, kind, size)

#endif
