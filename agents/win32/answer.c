/* The Win32 agent's own answers: a GetLastError() value, no memory, a handle that names no section. */
#include "agent.h"

#include <stdio.h>

void answer_win32(DWORD error)
{
	char number[16];

	snprintf(number, sizeof(number), "%lu", (unsigned long)error);
	answer_err(win32_code(error), number, "name=%s", win32_name(error));
}

void answer_no_memory(void)
{
	answer_err("no_memory", "8", "name=ERROR_NOT_ENOUGH_MEMORY");
}

struct object *need_object(const struct mc_line *req)
{
	struct object *o = handle_get(mc_line_get(req, "handle"));

	if (!o)
		answer_err("bad_handle", "none", "detail=unknown_handle");
	return o;
}
