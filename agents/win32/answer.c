/* The Win32 agent's own answers: a GetLastError() value, a handle that names no section. */
#include "agent.h"

#include <stdio.h>

void answer_win32(DWORD error)
{
	char number[16];

	snprintf(number, sizeof(number), "%lu", (unsigned long)error);
	answer_err(win32_code(error), number, "name=%s", win32_name(error));
}

struct object *need_object(const struct mc_line *req)
{
	struct object *o = handle_get(mc_line_get(req, "handle"));

	if (!o)
		answer_err("bad_handle", "none", "detail=unknown_handle");
	return o;
}
