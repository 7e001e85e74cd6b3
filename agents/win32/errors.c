/*
 * GetLastError() values as the protocol carries them: the portable code one
 * expectation can match on every platform, and the number and symbolic name
 * for the report (native=183 name=ERROR_ALREADY_EXISTS).
 */
#include "agent.h"

#include <stdio.h>

struct win32_error {
	DWORD value;
	const char *name;
	const char *code;
};

#define E(value, code) { value, #value, code }

static const struct win32_error errors[] = {
	E(ERROR_ALREADY_EXISTS, "already_exists"),
	E(ERROR_FILE_EXISTS, "already_exists"),
	E(ERROR_FILE_NOT_FOUND, "not_found"),
	E(ERROR_PATH_NOT_FOUND, "not_found"),
	E(ERROR_ACCESS_DENIED, "access_denied"),
	E(ERROR_INVALID_PARAMETER, "invalid_argument"),
	E(ERROR_MAPPED_ALIGNMENT, "invalid_argument"),
	E(ERROR_INVALID_NAME, "invalid_argument"),
	E(ERROR_BAD_PATHNAME, "invalid_argument"),
	E(ERROR_FILE_INVALID, "invalid_argument"),
	E(ERROR_INVALID_ADDRESS, "invalid_address"),
	E(ERROR_NOT_ENOUGH_MEMORY, "no_memory"),
	E(ERROR_OUTOFMEMORY, "no_memory"),
	E(ERROR_COMMITMENT_LIMIT, "no_memory"),
	E(ERROR_FILENAME_EXCED_RANGE, "name_too_long"),
	E(ERROR_INVALID_HANDLE, "bad_handle"),
	E(ERROR_BUSY, "busy"),
	E(ERROR_SHARING_VIOLATION, "busy"),
	E(ERROR_LOCK_VIOLATION, "busy"),
	E(ERROR_USER_MAPPED_FILE, "busy"),
	E(ERROR_NOT_SUPPORTED, "unsupported"),
	E(ERROR_CALL_NOT_IMPLEMENTED, "unsupported"),
	E(ERROR_DISK_FULL, "no_space"),
	E(ERROR_HANDLE_DISK_FULL, "no_space"),
	E(ERROR_NOACCESS, "fault"),
	E(ERROR_INVALID_FUNCTION, "invalid_argument"),
	E(ERROR_NOT_OWNER, "access_denied"),
	E(ERROR_PRIVILEGE_NOT_HELD, "access_denied"),
	E(ERROR_TOO_MANY_POSTS, "invalid_argument"),
};

static const struct win32_error *find(DWORD value)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (errors[i].value == value)
			return &errors[i];
	return NULL;
}

const char *win32_code(DWORD error)
{
	const struct win32_error *e = find(error);

	return e ? e->code : "other";
}

const char *win32_name(DWORD error)
{
	static char unknown[32];
	const struct win32_error *e = find(error);

	if (e)
		return e->name;
	snprintf(unknown, sizeof(unknown), "ERROR_%lu", (unsigned long)error);
	return unknown;
}
