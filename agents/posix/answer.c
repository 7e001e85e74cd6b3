/* The POSIX agent's own answers: an errno value, no memory, a handle that names no descriptor. */
#include "agent.h"

void answer_errno(int err)
{
	answer_err(errno_code(err), errno_name(err), "errno=%d", err);
}

void answer_no_memory(void)
{
	answer_err("no_memory", "ENOMEM", NULL);
}

int need_fd(const struct mc_line *req)
{
	int fd = handle_fd(mc_line_get(req, "handle"));

	if (fd < 0)
		answer_err("bad_handle", "none", "detail=unknown_handle");
	return fd;
}
