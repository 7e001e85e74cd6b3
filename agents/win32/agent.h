/*
 * The Win32 agent: the same protocol as the POSIX agent (agents/posix/),
 * spoken by a program that uses only the Win32 API. It runs under Wine (or
 * on Windows) while its controller stays on Linux; the controller cannot
 * tell the two agents apart except by what they answer.
 */
#ifndef MAPCONF_AGENT_WIN32_H
#define MAPCONF_AGENT_WIN32_H

#include "agent_common.h"
#include "agent_system.h"

#include <windows.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/*
 * The line channel to the controller (channel_read_line, channel_write:
 * agent_common.h): the standard handles, or a socket (spawned children).
 */
int channel_use_std_handles(void);
int channel_connect(const char *host_port);

/* err code=<portable> native=<number> name=<ERROR_...> for a GetLastError() value (the other answers: agent_common.h). */
void answer_win32(DWORD error);

/* Portable code and symbolic name of a GetLastError() value. */
const char *win32_code(DWORD error);
const char *win32_name(DWORD error);

/*
 * Fault guard (guard_run: agent_common.h) for an access violation or an
 * in-page error: cause is the exception code (EXCEPTION_ACCESS_VIOLATION,
 * ...), detail the faulting access (0 read, 1 write, 8 execute).
 */
void guard_install(void);
/* "access_violation" or "in_page_error" */
const char *fault_kind(const struct fault *fault);

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

/*
 * Views, so that a synchronous flush can find the file behind a view, and
 * a fault what a view was made of.
 */
struct view {
	uintptr_t addr;         /* its base; 0: a free slot */
	HANDLE section;
	HANDLE file;
	uint64_t offset;        /* in the section */
	bool private;           /* FILE_MAP_COPY */
};
void view_add(uintptr_t addr, const struct object *object, uint64_t offset, bool private);
/* The view of this process that holds addr, or NULL. */
const struct view *view_holding(uintptr_t addr);
HANDLE view_file(uintptr_t addr);
void view_remove(uintptr_t addr);
/* Unmap this process's views of a section (only the fault close-unmaps does: Win32 views outlive their handles). */
void views_unmap_of(HANDLE section);

/* The object of the request's handle= (answers err bad_handle and returns NULL if none). */
struct object *need_object(const struct mc_line *req);

/* A UTF-16 copy of text (static storage, one of a few rotating buffers). */
const wchar_t *wide(const char *text);
/* The path the system uses for a file name the controller gave (Wine: /x/y is Z:\x\y). */
const wchar_t *native_path(const char *name);

/* Verbs of this agent alone (the others: agent_common.h). */
extern const struct verb spawn_verbs[];       /* verbs_spawn.c */

#endif
