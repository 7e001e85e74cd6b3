/*
 * Serving requests, the same in every agent: read a line, find its verb in
 * the agent's tables, run it (the verb answers), until the controller is
 * done with the agent.
 */
#include "agent_common.h"

#include <string.h>

static verb_fn find_verb(const char *word)
{
	for (const struct verb *const *table = agent_verbs; *table; table++)
		for (const struct verb *v = *table; v->word; v++)
			if (strcmp(v->word, word) == 0)
				return v->run;
	return NULL;
}

int serve_requests(void)
{
	static char buf[MC_LINE_MAX];

	for (;;) {
		long n = channel_read_line(buf, sizeof(buf));
		struct mc_line req;
		const char *why;
		verb_fn run;

		if (n == 0)
			return 0;   /* end of input: the controller is done with us */
		if (n < 0) {
			answer_err("invalid_request", "none", "detail=line_too_long");
			return 2;
		}
		if (mc_line_parse(buf, &req, &why)) {
			answer_err("invalid_request", "none", "detail=malformed");
			continue;
		}
		run = find_verb(req.word);
		if (!run) {
			/* a verb no agent knows is a harness bug, never a platform that lacks something */
			answer_err("invalid_request", "none", "detail=unknown_verb");
			continue;
		}
		run(&req);
	}
}
