/*
 * errno values as the protocol carries them: a portable code that one
 * expectation can match on every platform, and the errno name for the report.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <stdio.h>

const char *errno_code(int err)
{
	switch (err) {
	case EEXIST:
		return "already_exists";
	case ENOENT:
		return "not_found";
	case EACCES:
	case EPERM:
		return "access_denied";
	case EINVAL:
		return "invalid_argument";
	case ENOMEM:
		return "no_memory";
	case ENAMETOOLONG:
		return "name_too_long";
	case EBADF:
		return "bad_handle";
	case EBUSY:
		return "busy";
	case ENOSYS:
	case EOPNOTSUPP:
	case ENODEV:
		return "unsupported";
	case ENOSPC:
		return "no_space";
	default:
		return "other";
	}
}

/*
 * The names of the errno values the agent's calls can return. A table of
 * our own rather than glibc's strerrorname_np, which other C libraries
 * (musl) lack: the same value gets the same name whatever libc the agent
 * is built with. EWOULDBLOCK, EDEADLOCK and ENOTSUP are aliases of the
 * names listed, so they are not listed again.
 */
#define NAMED(e) { e, #e }
static const struct {
	int value;
	const char *name;
} names[] = {
	NAMED(EPERM), NAMED(ENOENT), NAMED(ESRCH), NAMED(EINTR), NAMED(EIO), NAMED(ENXIO),
	NAMED(E2BIG), NAMED(ENOEXEC), NAMED(EBADF), NAMED(ECHILD), NAMED(EAGAIN), NAMED(ENOMEM),
	NAMED(EACCES), NAMED(EFAULT), NAMED(EBUSY), NAMED(EEXIST), NAMED(EXDEV), NAMED(ENODEV),
	NAMED(ENOTDIR), NAMED(EISDIR), NAMED(EINVAL), NAMED(ENFILE), NAMED(EMFILE), NAMED(ENOTTY),
	NAMED(ETXTBSY), NAMED(EFBIG), NAMED(ENOSPC), NAMED(ESPIPE), NAMED(EROFS), NAMED(EMLINK),
	NAMED(EPIPE), NAMED(ERANGE), NAMED(EDEADLK), NAMED(ENAMETOOLONG), NAMED(ENOLCK),
	NAMED(ENOSYS), NAMED(ENOTEMPTY), NAMED(ELOOP), NAMED(EIDRM), NAMED(EOVERFLOW),
	NAMED(ENOTSOCK), NAMED(EOPNOTSUPP), NAMED(EAFNOSUPPORT), NAMED(EADDRINUSE),
	NAMED(ECONNREFUSED), NAMED(ETIMEDOUT), NAMED(EDQUOT), NAMED(ECANCELED),
	NAMED(EOWNERDEAD), NAMED(ENOTRECOVERABLE),
};

const char *errno_name(int err)
{
	static char unknown[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].value == err)
			return names[i].name;
	snprintf(unknown, sizeof(unknown), "E%d", err);
	return unknown;
}
