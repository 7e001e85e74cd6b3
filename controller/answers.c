#define _GNU_SOURCE
#include "answers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Answers are kept until the case ends, so a case can hold any number of
 * replies without one request invalidating an earlier answer.
 */
static char **kept;
static size_t nkept;

char *mc_answer_keep(const char *text)
{
	char **grown = realloc(kept, (nkept + 1) * sizeof(*kept));
	char *copy = strdup(text);

	if (!grown || !copy) {
		fprintf(stderr, "mapconf: out of memory keeping an answer\n");
		abort();
	}
	kept = grown;
	kept[nkept++] = copy;
	return copy;
}

void mc_answers_forget(void)
{
	for (size_t i = 0; i < nkept; i++)
		free(kept[i]);
	free(kept);
	kept = NULL;
	nkept = 0;
}

enum mc_call_status mc_answer_parse(char *text, int seq, struct mc_reply *reply, char *why, size_t whylen)
{
	const char *problem;
	char *copy = mc_answer_keep(text);

	memset(reply, 0, sizeof(*reply));
	reply->seq = seq;
	/* parse a second copy: the text must stay whole for messages */
	reply->text = mc_answer_keep(text);
	if (mc_line_parse(copy, &reply->line, &problem)) {
		snprintf(why, whylen, "malformed answer (%s): \"%.200s\"", problem, text);
		return MC_CALL_MALFORMED;
	}
	if (strcmp(reply->line.word, "ok") == 0) {
		reply->ok = true;
		return MC_CALL_ANSWERED;
	}
	if (strcmp(reply->line.word, "err") == 0) {
		reply->code = mc_line_get(&reply->line, "code");
		reply->native = mc_line_get(&reply->line, "native");
		if (reply->code && reply->native)
			return MC_CALL_ANSWERED;
	}
	snprintf(why, whylen, "malformed answer (not \"ok ...\" or \"err code=... native=...\"): \"%.200s\"", text);
	return MC_CALL_MALFORMED;
}

