/*
 * errno values as the protocol carries them: a portable code that one
 * expectation can match on every platform, and the errno name for the report.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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

const char *errno_name(int err)
{
	static char unknown[32];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(unknown, sizeof(unknown), "E%d", err);
	return unknown;
}
