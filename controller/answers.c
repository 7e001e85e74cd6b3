#define _GNU_SOURCE
#include "answers.h"

#include <inttypes.h>
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

void mc_answer_from(struct mc_reply *r, const char *agent, const char *request)
{
	char from[96];
	int verb = (int)strcspn(request, " ");
	/* a verb with operations ("lib op=global") is named with its operation */
	const char *op = strncmp(request + verb, " op=", 4) == 0 ? request + verb + 4 : "";

	snprintf(from, sizeof(from), "%s's %.*s%s%.*s", agent, verb, request, *op ? " " : "",
		 (int)strcspn(op, " "), op);
	r->from = mc_answer_keep(from);
}

void mc_answer_from_figure(struct mc_reply *r, const char *kind)
{
	char from[96];

	snprintf(from, sizeof(from), "the %s figure", kind);
	r->from = mc_answer_keep(from);
}

/*
 * A constant as its counterpart is written: in hex beside an address, and
 * with as many digits as a field answered in hex (a checksum), so the two
 * line up.
 */
static void constant_text(char *out, size_t cap, struct mc_term t, struct mc_term other)
{
	bool answered_hex = other.raw && strncmp(other.raw, "0x", 2) == 0;

	if (answered_hex)
		snprintf(out, cap, "0x%0*" PRIx64, (int)strlen(other.raw) - 2, t.value);
	else if (t.address || other.address)
		snprintf(out, cap, "0x%" PRIx64, t.value);
	else
		snprintf(out, cap, "%" PRIu64, t.value);
}

static void term_text(char *out, size_t cap, struct mc_term t, struct mc_term other)
{
	char plus[32] = "";

	if (!t.seq) {
		constant_text(out, cap, t, other);
		return;
	}
	if (t.plus)
		snprintf(plus, sizeof(plus), " %c %" PRIu64, t.plus < 0 ? '-' : '+',
			 t.plus < 0 ? -(uint64_t)t.plus : (uint64_t)t.plus);
	snprintf(out, cap, "%s=%s (answer #%d%s%s)%s", t.key, t.raw ? t.raw : "?", t.seq, t.from ? ", " : "",
		 t.from ? t.from : "", plus);
}

void mc_comparison_text(char *out, size_t cap, struct mc_term lhs, const char *op, struct mc_term rhs)
{
	char left[160], right[160];

	term_text(left, sizeof(left), lhs, rhs);
	term_text(right, sizeof(right), rhs, lhs);
	snprintf(out, cap, "%s %s %s", left, op, right);
}
