/*
 * The Win32 agent: the same protocol as the POSIX agent (agents/posix/),
 * spoken by a program that uses only the Win32 API. It runs under Wine (or
 * on Windows) while its controller stays on Linux; the controller cannot
 * tell the two agents apart except by what they answer.
 */
#ifndef MAPCONF_AGENT_WIN32_H
#define MAPCONF_AGENT_WIN32_H

#include "protocol.h"

#include <windows.h>
#include <stdint.h>
#include <stddef.h>

/* The line channel to the controller: the standard handles, or a socket (spawned children). */
int channel_use_std_handles(void);
int channel_connect(const char *host_port);
/* One request line (NUL-terminated, newline kept): its length, 0 at end of input, -1 if too long. */
long channel_read_line(char *buf, size_t cap);
void channel_write(const char *text, size_t len);

/* Answers. Exactly one of them is called per request. */
void answer_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* err code=<portable> native=<number> name=<ERROR_...> for a GetLastError() value. */
void answer_win32(DWORD error);
void answer_err(const char *code, const char *native, const char *detail_fmt, ...)
	__attribute__((format(printf, 3, 4)));
void answer_raw(const char *text);

/* Portable code and symbolic name of a GetLastError() value. */
const char *win32_code(DWORD error);
const char *win32_name(DWORD error);

/* Fault guard: run fn(arg) and catch an access violation (or in-page error) raised inside it. */
struct fault {
	DWORD code;        /* EXCEPTION_ACCESS_VIOLATION, EXCEPTION_IN_PAGE_ERROR, ... */
	int write;         /* the faulting access: 0 read, 1 write, 8 execute */
	uintptr_t addr;
};
void guard_install(void);
int guard_run(void (*fn)(void *), void *arg, struct fault *fault);
/* "access_violation" or "in_page_error" */
const char *fault_kind(const struct fault *fault);
void answer_fault(const struct fault *fault);
/* probe's answer for a fault: ok result=access_violation|in_page_error exception=0x... */
void answer_probe_fault(const struct fault *fault);
/* chain_walk's answer for a fault, with how many links were walked */
void answer_chain_fault(const struct fault *fault, uint64_t visited);

/* Functions that touch any address on purpose (no sanitizer to silence here). */
#define WILD_ACCESS

/*
 * Handles: small integers standing for a section (and, for a file-backed
 * one, the file it maps). "hN" on the wire.
 */
struct object {
	HANDLE section;
	HANDLE file;            /* INVALID_HANDLE_VALUE unless this agent opened the file */
};
int handle_add(HANDLE section, HANDLE file);
/* Put an inherited section handle at slot index (a spawned child's table mirrors its parent's). */
int handle_put_at(int index, HANDLE section);
struct object *handle_get(const char *text);     /* NULL if unknown */
void handle_remove(const char *text);

/* Views, so that a synchronous flush can find the file behind a view. */
void view_add(uintptr_t addr, const struct object *object);
HANDLE view_file(uintptr_t addr);
void view_remove(uintptr_t addr);

/* Required-field helpers: answer err invalid_request and return -1. */
int need_u64(const struct mc_line *req, const char *key, uint64_t *out);
int need_addr(const struct mc_line *req, const char *key, uintptr_t *out);
const char *need_str(const struct mc_line *req, const char *key);
/* The object of the request's handle= (answers err bad_handle and returns NULL if none). */
struct object *need_object(const struct mc_line *req);

/* A UTF-16 copy of text (static storage, one of a few rotating buffers). */
const wchar_t *wide(const char *text);
/* The path the system uses for a file name the controller gave (Wine: /x/y is Z:\x\y). */
const wchar_t *native_path(const char *name);

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
extern const struct verb spawn_verbs[];    /* verbs_spawn.c */

#endif
