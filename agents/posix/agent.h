/*
 * The POSIX agent: a process that does exactly what its controller asks,
 * one request line at a time, and answers one line per request.
 */
#ifndef MAPCONF_AGENT_H
#define MAPCONF_AGENT_H

#include "agent_common.h"
#include "agent_system.h"

#include <stdint.h>
#include <stddef.h>

/* err code=<portable> native=<errno name> for the errno value err (the other answers: agent_common.h). */
void answer_errno(int err);

/* Portable error code and errno name of an errno value. */
const char *errno_code(int err);
const char *errno_name(int err);

/* Fault guard (guard_run: agent_common.h) for SIGSEGV and SIGBUS: cause is the signal, detail its si_code. */
void guard_install(void);
/* "segv" or "bus" */
const char *fault_kind(const struct fault *fault);
/* "SEGV_MAPERR", "BUS_ADRERR", ... */
const char *fault_code_name(const struct fault *fault);

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

/* What a create asks for: create backend= name= size= [excl=1] [mode=0600] [resize=0] [huge=1]. */
struct create_request {
	const char *name;
	uint64_t size, excl, mode, resize, huge;
};

/* One backend's row (backends.c): each function answers, but unlink and descriptor. */
struct backend {
	const char *name;
	void (*create)(const struct create_request *c);
	void (*open)(const char *name, bool read_only);
	int (*unlink)(const char *name);                   /* 0, or -1 with errno */
	int (*descriptor)(const char *name, int flags);    /* a fresh one for pread, pwrite; -1 with errno */
};
/* The row of the request's backend= (answers err invalid_request and returns NULL if none). */
const struct backend *need_backend(const struct mc_line *req);

/* The descriptor of the request's handle= (answers err bad_handle and returns -1 if none). */
int need_fd(const struct mc_line *req);

/* Verbs of this agent alone (the others: agent_common.h). */
extern const struct verb fork_verbs[];        /* verbs_fork.c */

#endif
