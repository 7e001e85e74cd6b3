/*
 * The answers an agent client has received: kept until the case ends, and
 * parsed into struct mc_reply. Shared by the POSIX agent client
 * (agent_client.c) and the Win32 one (agent_client_win32.c), which the
 * Win32 reproducers carry too.
 */
#ifndef MAPCONF_ANSWERS_H
#define MAPCONF_ANSWERS_H

#include "protocol.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An answer. Its strings stay valid until mc_agent_kill_all() ends the case. */
struct mc_reply {
	bool ok;                 /* "ok ..." rather than "err ..." */
	const char *code;        /* err: portable code */
	const char *native;      /* err: native value (errno name, ...) */
	const char *text;        /* the whole answer line, as received */
	struct mc_line line;     /* parsed fields */
	int seq;                 /* the case's Nth answer (trace.h) */
	const char *from;        /* who gave it, for messages: "A's stat", "the shmem figure"; or NULL */
};

/* What went wrong when a request got no well-formed answer. */
enum mc_call_status {
	MC_CALL_ANSWERED,
	MC_CALL_DIED,            /* the agent ended without answering */
	MC_CALL_TIMEOUT,         /* no answer in time; the agent was killed */
	MC_CALL_MALFORMED,       /* the answer is not "ok ..." or "err ..." */
};

/* A copy of text that lives until mc_answers_forget(). */
char *mc_answer_keep(const char *text);
/* Free every kept answer (the end of a case). */
void mc_answers_forget(void);
/*
 * An answer line as the seq'th answer: ok, or err with its code and native
 * value; MC_CALL_MALFORMED with why when it is neither.
 */
enum mc_call_status mc_answer_parse(char *text, int seq, struct mc_reply *reply, char *why, size_t whylen);
/* Say who gave r, for messages: "A's stat" (agent A, the verb of request), "the shmem figure". */
void mc_answer_from(struct mc_reply *r, const char *agent, const char *request);
void mc_answer_from_figure(struct mc_reply *r, const char *kind);

/*
 * A number a check compares: an answer's field plus a constant, or a
 * constant (an address or not). It carries what a message needs to say
 * where the number came from.
 */
struct mc_term {
	uint64_t value;
	int seq;            /* the answer it came from (0: a constant) */
	const char *key;
	int64_t plus;
	bool address;       /* a constant that is an address, which a reproducer finds anew */
	const char *raw;    /* the field as the answer gave it */
	const char *from;   /* who gave the answer (struct mc_reply's from), or NULL */
};

/*
 * "lhs op rhs" for a message, each side with its value and, for an
 * answer's field, the answer and who gave it:
 * "kb=8 (answer #14, A's dirty) + 4 <= kb=8 (answer #12, A's dirty)".
 */
void mc_comparison_text(char *out, size_t cap, struct mc_term lhs, const char *op, struct mc_term rhs);

#endif
