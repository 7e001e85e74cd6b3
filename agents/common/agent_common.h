/*
 * The skeleton every agent shares (agents/common/) and the contract between
 * it and each agent: the answers and the required-field helpers
 * (answer.c), the verb tables and the loop that serves them (serve.c), and
 * what each agent implements on its own system (agents/posix/,
 * agents/win32/): the line channel, its verb tables and the fault guard.
 * Each agent includes this header from its own agent.h, so the shared code
 * depends on this contract only, not on either agent.
 */
#ifndef MAPCONF_AGENT_COMMON_H
#define MAPCONF_AGENT_COMMON_H

#include "printf_format.h"
#include "protocol.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The line channel to the controller (each agent's channel.c). One request
 * line (NUL-terminated, newline kept): its length, 0 at end of input, -1 if
 * it is too long to serve.
 */
long channel_read_line(char *buf, size_t cap);
/* Sends one whole answer line (newline included) at once. */
void channel_write(const char *text, size_t len);

/* Answers (answer.c), written whole to the channel. Exactly one of them is called per request. */
void answer_ok(const char *fmt, ...) MC_PRINTF(1, 2);
/* err code=<code> native=<native>, for errors that are not the system's own error values. */
void answer_err(const char *code, const char *native, const char *detail_fmt, ...)
	MC_PRINTF(3, 4);
/* A line sent verbatim (used to test how the controller handles garbage). */
void answer_raw(const char *text);
/* ok handle=h<h> for a handle the agent's table just took, or err no_memory when it had no room (h < 0). */
void answer_new_handle(int h);

/* Required-field helpers: answer err invalid_request and return -1 (NULL). */
int need_u64(const struct mc_line *req, const char *key, uint64_t *out);
int need_addr(const struct mc_line *req, const char *key, uintptr_t *out);
const char *need_str(const struct mc_line *req, const char *key);

/*
 * The access a request's prot=rw|r|none asks for (rw when not given): 0,
 * or -1 if it is none of them (verbs_range.c). A protection change may also
 * ask for copy-on-write (prot=copy, Win32's PAGE_WRITECOPY; prot=xcopy,
 * PAGE_EXECUTE_WRITECOPY), which a view is never mapped with.
 */
enum access { ACCESS_READ_WRITE, ACCESS_READ, ACCESS_NONE, ACCESS_WRITE_COPY, ACCESS_EXECUTE_WRITE_COPY };
int parse_access(const char *text, enum access *access);

/* Verb handlers, grouped by what they act on; a table ends with { NULL, NULL }. */
typedef void (*verb_fn)(const struct mc_line *req);
struct verb {
	const char *word;
	verb_fn run;
};
/* The verbs every agent shares, served by each (agents/common/verbs_*.c). */
extern const struct verb touch_verbs[];
extern const struct verb memory_verbs[];
extern const struct verb range_verbs[];
extern const struct verb process_verbs[];
extern const struct verb sync_verbs[];
extern const struct verb library_verbs[];
/* Each agent's own verbs on its own system (agents/posix/, agents/win32/), grouped by what they act on. */
extern const struct verb object_verbs[];
extern const struct verb view_verbs[];
extern const struct verb own_process_verbs[];
extern const struct verb own_sync_verbs[];
/* The tables an agent serves, searched in order, the list ending with NULL (each agent's main.c). */
extern const struct verb *const agent_verbs[];
/* Serves requests until end of input (returns 0) or a line too long (answers, returns 2). */
int serve_requests(void);

/*
 * A fault caught by the guard: the signal and its si_code (POSIX), or the
 * exception code and the kind of access (Win32), and the faulting address.
 */
struct fault {
	uint32_t cause;
	int detail;
	uintptr_t addr;
};
/* Run fn(arg); 0 if it returned, else 1 with the fault it raised in *fault. */
int guard_run(void (*fn)(void *), void *arg, struct fault *fault);
/* The answer to a request whose access faulted: err code=fault ... */
void answer_fault(const struct fault *fault);
/* probe's answer for a fault: ok result=<kind> ... */
void answer_probe_fault(const struct fault *fault);
/* chain_walk's answer for a fault: answer_fault's, and how many links were walked */
void answer_chain_fault(const struct fault *fault, uint64_t visited);

/*
 * For functions that touch whatever address the controller names, on
 * purpose: another process's heap address, an unmapped page. The fault
 * guard turns a fault into an answer; AddressSanitizer must not turn the
 * access into a report, so they are left uninstrumented.
 */
#define WILD_ACCESS __attribute__((no_sanitize("address")))

#endif
