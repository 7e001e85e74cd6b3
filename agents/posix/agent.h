/*
 * The POSIX agent: a process that does exactly what its controller asks,
 * one request line at a time, and answers one line per request.
 */
#ifndef MAPCONF_AGENT_H
#define MAPCONF_AGENT_H

#include "protocol.h"

#include <stdint.h>
#include <stddef.h>

/* Answers. Exactly one of them is called per request. */
void answer_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* err code=<portable> native=<errno name> for the errno value err. */
void answer_errno(int err);
/* err code=<code> native=<native>, for errors that are not an errno. */
void answer_err(const char *code, const char *native, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A line sent verbatim (used to test how the controller handles garbage). */
void answer_raw(const char *text);

/* Portable error code and errno name of an errno value. */
const char *errno_code(int err);
const char *errno_name(int err);

/* Fault guard: run fn(arg) and catch SIGSEGV/SIGBUS raised inside it. */
struct fault {
	int signo;
	int code;
	uintptr_t addr;
};
void guard_install(void);
int guard_run(void (*fn)(void *), void *arg, struct fault *fault);
/* "segv" or "bus" */
const char *fault_kind(const struct fault *fault);
/* "SEGV_MAPERR", "BUS_ADRERR", ... */
const char *fault_code_name(const struct fault *fault);
void answer_fault(const struct fault *fault);
/* probe's answer for a fault: ok result=segv|bus si_code=... */
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

/* Handles: small integers standing for open descriptors or SysV segment ids. */
int handle_add(int fd);
int handle_add_sysv(int shmid);
int handle_fd(const char *text);     /* -1 if unknown or not a descriptor */
int handle_sysv(const char *text);   /* -1 if unknown or not a SysV segment */
int handle_add_region(uintptr_t region);
uintptr_t handle_region(const char *text);   /* 0 if unknown or not an anon-fork region */
void handle_remove(const char *text);

/* SysV attaches, so that unmap detaches them (shmdt) rather than munmap them. */
void attach_add(uintptr_t addr);
bool attach_remove(uintptr_t addr);

/* Required-field helpers: answer err invalid_request and return -1. */
int need_u64(const struct mc_line *req, const char *key, uint64_t *out);
int need_addr(const struct mc_line *req, const char *key, uintptr_t *out);
const char *need_str(const struct mc_line *req, const char *key);
/* The descriptor of the request's handle= (answers err bad_handle and returns -1 if none). */
int need_fd(const struct mc_line *req);

/* Verb handlers, grouped by what they act on. */
typedef void (*verb_fn)(const struct mc_line *req);
struct verb {
	const char *word;
	verb_fn run;
};
extern const struct verb object_verbs[];   /* verbs_object.c */
extern const struct verb view_verbs[];     /* verbs_view.c */
extern const struct verb memory_verbs[];   /* verbs_memory.c */
extern const struct verb touch_verbs[];    /* ../common/verbs_touch.c */
extern const struct verb process_verbs[];  /* verbs_process.c */
extern const struct verb sync_verbs[];     /* verbs_sync.c */
extern const struct verb library_verbs[];  /* verbs_library.c */
extern const struct verb fork_verbs[];     /* verbs_fork.c */

#endif
