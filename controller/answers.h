/*
 * The answers an agent client has received: kept until the case ends, and
 * parsed into struct mc_reply. Shared by the controller's agent client and
 * the Win32 one a reproducer carries (repro/win32_client.c).
 */
#ifndef MAPCONF_ANSWERS_H
#define MAPCONF_ANSWERS_H

#include "protocol.h"

#include <stdbool.h>
#include <stddef.h>

/* An answer. Its strings stay valid until mc_agent_kill_all() ends the case. */
struct mc_reply {
	bool ok;                 /* "ok ..." rather than "err ..." */
	const char *code;        /* err: portable code */
	const char *native;      /* err: native value (errno name, ...) */
	const char *text;        /* the whole answer line, as received */
	struct mc_line line;     /* parsed fields */
	int seq;                 /* the case's Nth answer (trace.h) */
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

#endif
