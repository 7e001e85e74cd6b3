/*
 * Mapping objects by name: create, open, close, remove the name; their
 * size, attributes, and the bytes their file holds. Steps end the case
 * when they fail; mc_try_*() answer for a check to judge.
 */
#ifndef MAPCONF_STEPS_OBJECT_H
#define MAPCONF_STEPS_OBJECT_H

#include "objects.h"
#include "reply.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * How a create asks for its object, each option by name, all optional:
 *
 *   mc_create(a, o)                                   exclusive, of o's size
 *   mc_create(a, o, .mode = 0644)
 *   mc_try_create(a, o, .open_existing = 1, .size = MC_PAGE)
 *
 * The answer's handle is a's; for an object without a name of its own
 * (memfd), the name a successful create answers becomes o's.
 */
struct mc_create_opts {
	uint64_t size;              /* bytes asked for, when not o's size */
	bool unsized;               /* a new POSIX object, file or memfd, left at size 0 (resize=0) */
	bool open_existing;         /* open the object if its name exists (excl=0; Win32 answers existed=1) */
	bool huge;                  /* huge pages (memfd: MFD_HUGETLB, SysV: SHM_HUGETLB, anon-fork: MAP_HUGETLB) */
	unsigned int mode;          /* permission bits asked for, masked by the agent's umask (0: its default) */
	/* Win32: a SEC_RESERVE section (a paging-file one), whose views' pages stay reserved until mc_commit */
	bool reserve;
	bool large_pages;           /* Win32: a SEC_COMMIT | SEC_LARGE_PAGES section */
	bool executable;            /* Win32: a PAGE_EXECUTE_READWRITE section (a file: opened GENERIC_EXECUTE too) */
	/*
	 * Win32: a section with this protection ("r": PAGE_READONLY, "rw":
	 * PAGE_READWRITE) over o's existing file, opened for reading only
	 * (GENERIC_READ): the file must be there already.
	 */
	const char *over_read_only_file;
};

struct mc_handle mc_create_where(MC_WHERE, struct mc_agent *a, struct mc_object *o, struct mc_create_opts opts);
/* The same, for a check to judge. */
struct mc_reply mc_try_create_where(MC_WHERE, struct mc_agent *a, struct mc_object *o, struct mc_create_opts opts);
/* access: "rw" or "r" */
struct mc_handle mc_open_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, const char *access);
struct mc_reply mc_try_open_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, const char *access);
void mc_close_where(MC_WHERE, struct mc_agent *a, struct mc_handle h);
void mc_unlink_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o);
struct mc_reply mc_try_unlink_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o);
/* Change the object's permission bits (fchmod; SysV: IPC_SET), for a check to judge. */
struct mc_reply mc_try_chmod_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, unsigned int mode);
/* Remove the object's name where it has one (unlink), so only views and handles keep it. */
void mc_remove_name_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o);
/* Grow or shrink the object to size bytes (ftruncate; Win32: the file behind the section). */
void mc_resize_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t size);
struct mc_reply mc_try_resize_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, uint64_t size);
/* The object's attributes, as fields of the answer: size=, mode=, cloexec=, mtime_ns=, ... */
struct mc_reply mc_stat_where(MC_WHERE, struct mc_agent *a, struct mc_handle h);
/* Set the object's modification time (seconds since the epoch). */
void mc_touch_mtime_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, time_t seconds);
/* text written at offset with write(2) (Win32: WriteFile) through a fresh descriptor of a's, beside any view. */
void mc_pwrite_text_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, uint64_t offset, const char *text);
/* The same, for a check to judge (a sealed memfd refuses it). */
struct mc_reply mc_try_pwrite_text_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, uint64_t offset,
					 const char *text);
/*
 * memfd: add seals to the object (fcntl F_ADD_SEALS), a list of "write",
 * "future_write", "grow", "shrink" joined by commas; every process that
 * holds the memfd is then bound by them.
 */
void mc_seal_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, const char *seals);
struct mc_reply mc_try_seal_where(MC_WHERE, struct mc_agent *a, struct mc_handle h, const char *seals);
/* length bytes of the object's file at offset, read with read(2) by a, for a check to judge. */
struct mc_reply mc_try_pread_where(MC_WHERE, struct mc_agent *a, const struct mc_object *o, uint64_t offset,
				   size_t length);

#define mc_create(a, o, ...)     mc_create_where(MC_HERE, a, o, (struct mc_create_opts){ __VA_ARGS__ })
#define mc_try_create(a, o, ...) mc_try_create_where(MC_HERE, a, o, (struct mc_create_opts){ __VA_ARGS__ })
#define mc_open(a, o, access)                   mc_open_where(MC_HERE, a, o, access)
#define mc_try_open(a, o, access)               mc_try_open_where(MC_HERE, a, o, access)
#define mc_close(a, h)                          mc_close_where(MC_HERE, a, h)
#define mc_unlink(a, o)                         mc_unlink_where(MC_HERE, a, o)
#define mc_try_unlink(a, o)                     mc_try_unlink_where(MC_HERE, a, o)
#define mc_try_chmod(a, h, mode)                mc_try_chmod_where(MC_HERE, a, h, mode)
#define mc_remove_name(a, o)                    mc_remove_name_where(MC_HERE, a, o)
#define mc_resize(a, h, size)                   mc_resize_where(MC_HERE, a, h, size)
#define mc_try_resize(a, h, size)               mc_try_resize_where(MC_HERE, a, h, size)
#define mc_stat(a, h)                           mc_stat_where(MC_HERE, a, h)
#define mc_pwrite_text(a, o, offset, text)      mc_pwrite_text_where(MC_HERE, a, o, offset, text)
#define mc_try_pwrite_text(a, o, offset, text) mc_try_pwrite_text_where(MC_HERE, a, o, offset, text)
#define mc_seal(a, h, seals)                    mc_seal_where(MC_HERE, a, h, seals)
#define mc_try_seal(a, h, seals)                mc_try_seal_where(MC_HERE, a, h, seals)
#define mc_touch_mtime(a, h, seconds)           mc_touch_mtime_where(MC_HERE, a, h, seconds)

#endif
