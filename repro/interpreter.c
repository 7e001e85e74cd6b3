/*
 * The reproducer's interpreter: it carries out the script above, one line
 * at a time, with agents it starts from its own program, and judges each
 * check as the suite's check does. What differs between POSIX and Win32
 * (starting agents, memory figures, cleaning up) is the platform part that
 * follows it (repro/posix.c, repro/win32.c). The lines:
 *
 *   before NAME BYTES          a file of BYTES zero bytes, made before anything else
 *   start A #N                 start agent A; its ready line is answer #N
 *   call A #N REQUEST          send REQUEST to A; its answer is #N
 *   send A REQUEST | receive A #N   the same in two halves (requests that run at once)
 *   fork P C #N #M             P forks C: P's answer #N, C's ready line #M
 *   spawn P C HANDLES #N #M    the same, Win32: P spawns C, which inherits HANDLES (- for none)
 *   exec A #N                  A runs its program again; the new ready line is #N
 *   read_through_raw A #N raw=R length=L   adopt descriptor R, map and read it,
 *                              as far as each answer allows; the last answer is #N
 *   crash A #0 signal=S        A is told to crash, and must die by SIGS
 *   kill A | end A             kill A | wait for A, which was told to exit
 *   gone A                     wait for A, which another agent ended (terminate), whatever its status
 *   figure #N KIND [#B LO HI]  memory figure (kB) KIND, read until within #B+LO..#B+HI (HI may be max)
 *   reserve-huge-pages N       N more huge pages in the machine's pool, put back at the end
 *   require #N                 a step: answer #N must be ok
 *   require STEP ORACLE        a precondition, stated like a check
 *   check LABEL ORACLE         ORACLE: "answer #N PATTERN" or "compare TERM OP TERM"
 *
 * {#N.key} in a line is field key of answer #N, {#N.key+K} that number plus
 * K; {dir} is this run's scratch directory, {otherdir} another one (its
 * subdirectory "other"), and {prefix} the names' prefix; in capitals
 * ({DIR}, {PREFIX}), the same in capitals.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPRO_ANSWERS_MAX 512
#define REPRO_AGENTS_MAX 16

static struct mc_reply answers[REPRO_ANSWERS_MAX];
static struct {
	char label[16];
	struct mc_agent *agent;
} agents_by_label[REPRO_AGENTS_MAX];
static char scratch[256], prefix[64];
static int checks_held, line_no;

/* The transcript stubs the agent client calls: the reproducer prints as it goes. */
void mc_transcript(const char *who, const char *arrow, const char *text)
{
	printf("  %s %s %.*s\n", who, arrow, (int)strcspn(text, "\n"), text);
}

void mc_transcript_note(const char *fmt, ...)
{
	va_list ap;

	printf("  -- ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void mc_trace(const char *fmt, ...)
{
	(void)fmt;
}

int mc_trace_next_seq(void)
{
	return 0;
}

/* The platform's part (repro/posix.c, repro/win32.c). */
static void platform_set_up(const char *self);        /* the agents' environment, the scratch directory */
static int platform_agent(int argc, char **argv);      /* an agent's main when argv starts one, else -1 */
static void platform_before_agents(void);            /* once, before the first agent starts */
static void platform_make_file(const char *path, uint64_t bytes);
static void platform_figure(struct mc_reply *r, const char *kind, uint64_t least, uint64_t most);
static void platform_reserve_huge_pages(unsigned int n); /* put back by platform_cleanup */
static void platform_cleanup(void);                  /* whatever happened: agents, objects, files */

static void __attribute__((noreturn, format(printf, 2, 3))) finish(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	platform_cleanup();
	exit(code);
}

/* A step failed: the platform could not even be set up for the check (exit 2). */
static void __attribute__((noreturn, format(printf, 1, 2))) setup_failed(const char *fmt, ...)
{
	char why[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	finish(2, "could not set up (script line %d): %s", line_no, why);
}

static struct mc_agent *agent_named(const char *label)
{
	for (int i = 0; i < REPRO_AGENTS_MAX; i++)
		if (agents_by_label[i].agent && strcmp(agents_by_label[i].label, label) == 0)
			return agents_by_label[i].agent;
	setup_failed("no agent %s was started", label);
}

static void name_agent(const char *label, struct mc_agent *a)
{
	for (int i = 0; i < REPRO_AGENTS_MAX; i++) {
		if (!agents_by_label[i].agent) {
			snprintf(agents_by_label[i].label, sizeof(agents_by_label[i].label), "%s", label);
			agents_by_label[i].agent = a;
			return;
		}
	}
}

static struct mc_reply *answer(int n)
{
	if (n <= 0 || n >= REPRO_ANSWERS_MAX)
		finish(2, "script line %d names answer #%d, which it cannot hold", line_no, n);
	return &answers[n];
}

static int answer_number(const char *word)
{
	return word && word[0] == '#' ? atoi(word + 1) : -1;
}

/* A term of a comparison: "#N.key+K" (field key of answer #N, plus K), or a number. */
static struct mc_term term_of(const char *text)
{
	struct mc_term t = { .value = 0 };

	if (text[0] != '#') {
		if (mc_parse_u64(text, &t.value))
			finish(2, "script line %d: malformed term %s", line_no, text);
		return t;
	}
	char key[64];
	int n = atoi(text + 1);
	const char *dot = strchr(text, '.');
	size_t klen = dot ? strcspn(dot + 1, "+-") : 0;
	struct mc_reply *r = answer(n);

	if (!dot || klen >= sizeof(key))
		finish(2, "script line %d: malformed term %s", line_no, text);
	memcpy(key, dot + 1, klen);
	key[klen] = '\0';
	if (mc_line_get_u64(&r->line, key, &t.value))
		finish(1, "FAIL at script line %d: answer #%d (\"%s\") has no number %s", line_no, n,
		       r->text ? r->text : "", key);
	t.seq = n;
	t.key = mc_answer_keep(key);
	t.plus = strtoll(dot + 1 + klen, NULL, 0);
	t.value += (uint64_t)t.plus;
	t.raw = mc_line_get(&r->line, key);
	t.from = r->from;
	return t;
}

/* The number a term stands for. */
static uint64_t term_value(const char *term)
{
	return term_of(term).value;
}

/* Whether ORACLE holds; *got says what came instead. */
static bool holds(char *oracle, char *got, size_t cap)
{
	char *kind = strtok(oracle, " ");

	if (kind && strcmp(kind, "answer") == 0) {
		struct mc_reply *r = answer(answer_number(strtok(NULL, " ")));
		const char *pattern = strtok(NULL, "");

		snprintf(got, cap, "expected %s\"%s\", got \"%s\"", pattern[0] == '!' ? "anything but " : "",
			 pattern + (pattern[0] == '!'), r->text ? r->text : "(no answer)");
		return r->text && mc_line_matches(&r->line, pattern);
	}
	if (kind && strcmp(kind, "compare") == 0) {
		const char *left = strtok(NULL, " "), *op = strtok(NULL, " "), *right = strtok(NULL, " ");

		if (!left || !op || !right)
			finish(2, "script line %d: malformed comparison", line_no);
		struct mc_term a = term_of(left), b = term_of(right);
		bool known, held = mc_compare(a.value, op, b.value, &known);
		char stated[512];

		if (!known)
			finish(2, "script line %d: no comparison %s", line_no, op);
		mc_comparison_text(stated, sizeof(stated), a, op, b);
		snprintf(got, cap, "expected %s", stated);   /* worded as the suite's check words it */
		return held;
	}
	finish(2, "script line %d: no oracle %s", line_no, kind ? kind : "");
}

/* line with {#N.key[+K]}, {dir} and {prefix} filled in */
static void fill_in(const char *line, char *out, size_t cap)
{
	size_t o = 0;

	while (*line && o + 1 < cap) {
		const char *close = *line == '{' ? strchr(line, '}') : NULL;

		if (!close) {
			out[o++] = *line++;
			continue;
		}
		char inner[128], value[320] = "";
		size_t n = (size_t)(close - line - 1);

		char word[128];

		snprintf(inner, sizeof(inner), "%.*s", (int)n, line + 1);
		for (size_t i = 0; i < sizeof(word); i++)
			word[i] = (char)tolower((unsigned char)inner[i]);
		if (strcmp(word, "dir") == 0) {
			snprintf(value, sizeof(value), "%s", scratch);
		} else if (strcmp(word, "otherdir") == 0) {
			snprintf(value, sizeof(value), "%s/other", scratch);
		} else if (strcmp(word, "prefix") == 0) {
			snprintf(value, sizeof(value), "%s", prefix);
		} else if (inner[0] == '#') {
			const char *dot = strchr(inner, '.');
			char key[64];
			size_t klen = dot ? strcspn(dot + 1, "+-") : 0;

			if (!dot || klen >= sizeof(key))
				finish(2, "script line %d: malformed {%s}", line_no, inner);
			memcpy(key, dot + 1, klen);
			key[klen] = '\0';
			if (dot[1 + klen]) {
				snprintf(value, sizeof(value), "0x%" PRIx64, term_value(inner));
			} else {
				const char *v = mc_line_get(&answer(atoi(inner + 1))->line, key);

				if (!v)
					setup_failed("answer %.*s has no %s", (int)(dot - inner), inner, key);
				snprintf(value, sizeof(value), "%s", v);
			}
		}
		for (char *c = value; isupper((unsigned char)inner[0]) && *c; c++)
			*c = (char)toupper((unsigned char)*c);   /* {DIR}, {PREFIX}: a name in capitals */
		o += (size_t)snprintf(out + o, cap - o, "%s", value);
		line = close + 1;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

/* figure #N KIND [#B LO HI]: the memory figure KIND (kB), read until within #B+LO..#B+HI */
static void figure(char *rest)
{
	int n = answer_number(strtok(rest, " "));
	const char *kind = strtok(NULL, " "), *base = strtok(NULL, " "), *lo = strtok(NULL, " "),
		   *hi = strtok(NULL, " ");
	uint64_t least = 0, most = UINT64_MAX;

	if (base && lo && hi) {
		uint64_t b;

		if (mc_line_get_u64(&answer(answer_number(base))->line, "kb", &b))
			finish(2, "script line %d: %s is no memory figure", line_no, base);
		least = strcmp(lo, "min") == 0 ? 0 : b + (uint64_t)strtoll(lo, NULL, 10);
		most = strcmp(hi, "max") == 0 ? UINT64_MAX : b + (uint64_t)strtoll(hi, NULL, 10);
	}
	memset(answer(n), 0, sizeof(*answer(n)));
	platform_figure(answer(n), kind, least, most);
	mc_answer_from_figure(answer(n), kind);
}

/* Agent a's ready line as answer #n. */
static void take_ready(int n, struct mc_agent *a)
{
	const char *problem;

	answer(n)->ok = true;
	answer(n)->text = mc_agent_ready(a);
	if (mc_line_parse(mc_answer_keep(mc_agent_ready(a)), &answer(n)->line, &problem))
		setup_failed("agent %s announced itself badly: \"%s\"", mc_agent_label(a), mc_agent_ready(a));
}

static void before_first_agent(void)
{
	static bool done;

	if (!done)
		platform_before_agents();
	done = true;
}

static void judge(const char *what, char *rest, bool is_check)
{
	char got[MC_DATA_MAX * 2 + 512], oracle[MC_DATA_MAX * 2 + 256];
	const char *label = strtok(rest, " ");
	char *tail = strtok(NULL, "");

	if (!label || !tail)
		finish(2, "script line %d: malformed %s", line_no, what);
	snprintf(oracle, sizeof(oracle), "%s", tail);
	if (holds(oracle, got, sizeof(got))) {
		if (is_check) {
			checks_held++;
			printf("ok   %s\n", label);
		}
		return;
	}
	if (!is_check)
		setup_failed("%s: %s", label, got);
	finish(1, "FAIL %s: %s\n\nThe platform does not behave as the assertion says (exit 1).", label, got);
}

static void step(char *line)
{
	char *verb = strtok(line, " "), *rest = strtok(NULL, "");
	char why[512];
	enum mc_call_status st = MC_CALL_ANSWERED;

	if (strcmp(verb, "before") == 0) {
		char path[600], name[256];
		const char *bytes;

		fill_in(strtok(rest, " "), name, sizeof(name));
		bytes = strtok(NULL, " ");
		snprintf(path, sizeof(path), "%s/%s", scratch, name);
		platform_make_file(path, strtoull(bytes, NULL, 10));
	} else if (strcmp(verb, "start") == 0) {
		const char *label = strtok(rest, " ");
		int n = answer_number(strtok(NULL, " "));
		struct mc_agent *a;

		before_first_agent();
		a = mc_agent_spawn(label, why, sizeof(why));
		if (!a)
			setup_failed("%s", why);
		name_agent(label, a);
		take_ready(n, a);
	} else if (strcmp(verb, "call") == 0 || strcmp(verb, "send") == 0) {
		const char *label = strtok(rest, " ");
		struct mc_agent *a = agent_named(label);
		int n = strcmp(verb, "call") == 0 ? answer_number(strtok(NULL, " ")) : 0;
		char request[MC_LINE_MAX];

		fill_in(strtok(NULL, ""), request, sizeof(request));
		st = mc_agent_send(a, request, why, sizeof(why));
		if (st == MC_CALL_ANSWERED && n)
			st = mc_agent_receive(a, answer(n), why, sizeof(why));
	} else if (strcmp(verb, "receive") == 0) {
		struct mc_agent *a = agent_named(strtok(rest, " "));
		st = mc_agent_receive(a, answer(answer_number(strtok(NULL, " "))), why, sizeof(why));
	} else if (strcmp(verb, "spawn") == 0) {
		const char *parent = strtok(rest, " "), *child = strtok(NULL, " "), *handles = strtok(NULL, " ");
		int n = answer_number(strtok(NULL, " ")), m = answer_number(strtok(NULL, " "));
		struct mc_agent *c = mc_agent_spawn_child(agent_named(parent), child,
							  strcmp(handles, "-") == 0 ? NULL : handles, answer(n), why,
							  sizeof(why));

		if (!c)
			setup_failed("%s could not spawn: %s", parent, answer(n)->text ? answer(n)->text : why);
		name_agent(child, c);
		take_ready(m, c);
	} else if (strcmp(verb, "fork") == 0) {
		const char *parent = strtok(rest, " "), *child = strtok(NULL, " ");
		int n = answer_number(strtok(NULL, " ")), m = answer_number(strtok(NULL, " "));
		char path[600];
		static int forks;
		struct mc_agent *c;

		snprintf(path, sizeof(path), "%s/fork-%d", scratch, ++forks);
		c = mc_agent_fork(agent_named(parent), child, path, answer(n), why, sizeof(why));
		if (!c)
			setup_failed("%s could not fork: %s", parent, answer(n)->text ? answer(n)->text : why);
		name_agent(child, c);
		take_ready(m, c);
	} else if (strcmp(verb, "exec") == 0) {
		struct mc_agent *a = agent_named(strtok(rest, " "));
		int n = answer_number(strtok(NULL, " "));

		st = mc_agent_exec(a, answer(n), why, sizeof(why));
		if (st == MC_CALL_ANSWERED && !answer(n)->ok)
			setup_failed("exec answered \"%s\"", answer(n)->text);
	} else if (strcmp(verb, "read_through_raw") == 0) {
		struct mc_agent *a = agent_named(strtok(rest, " "));
		struct mc_reply *r = answer(answer_number(strtok(NULL, " ")));
		char fields[256], request[512];
		uint64_t length;

		fill_in(strtok(NULL, ""), fields, sizeof(fields));
		length = strtoull(strstr(fields, "length=") + 7, NULL, 10);
		snprintf(request, sizeof(request), "adopt %.*s", (int)strcspn(fields, " "), fields);
		st = mc_agent_call(a, r, request, why, sizeof(why));
		if (st == MC_CALL_ANSWERED && r->ok) {
			snprintf(request, sizeof(request), "map handle=%s length=%" PRIu64 " prot=r",
				 mc_line_get(&r->line, "handle"), length);
			st = mc_agent_call(a, r, request, why, sizeof(why));
		}
		if (st == MC_CALL_ANSWERED && r->ok) {
			snprintf(request, sizeof(request), "read addr=%s length=%" PRIu64, mc_line_get(&r->line, "addr"),
				 length);
			st = mc_agent_call(a, r, request, why, sizeof(why));
		}
	} else if (strcmp(verb, "crash") == 0) {
		struct mc_agent *a = agent_named(strtok(rest, " "));
		char request[64], how[128];
		const char *signal_name;

		strtok(NULL, " ");   /* #0: a crash has no answer */
		signal_name = strtok(NULL, " ") + strlen("signal=");
		snprintf(request, sizeof(request), "crash signal=%s", signal_name);
		st = mc_agent_send(a, request, why, sizeof(why));
		if (st == MC_CALL_ANSWERED) {
			if (!mc_agent_died_by(mc_agent_wait_end(a, how, sizeof(how)), signal_name))
				setup_failed("agent %s %s, not by SIG%s as it was told", mc_agent_label(a), how, signal_name);
		}
	} else if (strcmp(verb, "kill") == 0) {
		mc_agent_kill(agent_named(strtok(rest, " ")));
	} else if (strcmp(verb, "end") == 0) {
		char how[128];
		if (!mc_agent_ended_orderly(mc_agent_wait_end(agent_named(strtok(rest, " ")), how, sizeof(how))))
			setup_failed("the agent %s after an orderly exit", how);
	} else if (strcmp(verb, "gone") == 0) {
		char how[128];

		/* the request that ended it was answered once the system said it had ended: this is bookkeeping */
		mc_agent_wait_end(agent_named(strtok(rest, " ")), how, sizeof(how));
	} else if (strcmp(verb, "figure") == 0) {
		figure(rest);
	} else if (strcmp(verb, "reserve-huge-pages") == 0) {
		platform_reserve_huge_pages((unsigned int)strtoul(rest, NULL, 10));
	} else if (strcmp(verb, "require") == 0 && rest[0] == '#') {
		struct mc_reply *r = answer(answer_number(rest));
		if (!r->ok)
			setup_failed("a step answered \"%s\"", r->text ? r->text : "nothing");
	} else if (strcmp(verb, "require") == 0 || strcmp(verb, "check") == 0) {
		judge(verb, rest, strcmp(verb, "check") == 0);
	} else {
		finish(2, "script line %d: no step %s", line_no, verb);
	}
	if (st != MC_CALL_ANSWERED)
		setup_failed("%s", why);
}

int main(int argc, char **argv)
{
	int agent = platform_agent(argc, argv);

	if (agent >= 0)
		return agent;
	platform_set_up(argv[0]);
	printf("%s on %s: %s\n", REPRO_ID, REPRO_BACKEND, REPRO_STATEMENT);
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		char line[MC_LINE_MAX];

		line_no = (int)i + 1;
		snprintf(line, sizeof(line), "%s", script[i]);
		step(line);
	}
	if (checks_held == 0)
		finish(2, "the script checked nothing");
	finish(0, "\n%d checks held: the platform behaves as the assertion says (exit 0).", checks_held);
}
