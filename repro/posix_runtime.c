/*
 * The reproducer's own part: it carries out the script above, one line at
 * a time, with agents it starts from its own program (--agent), and judges
 * each check as the suite's check does. The lines:
 *
 *   before NAME BYTES          a file of BYTES zero bytes, made before anything else
 *   start A #N                 start agent A; its ready line is answer #N
 *   call A #N REQUEST          send REQUEST to A; its answer is #N
 *   send A REQUEST | receive A #N   the same in two halves (requests that run at once)
 *   fork P C #N #M             P forks C: P's answer #N, C's ready line #M
 *   exec A #N                  A runs its program again; the new ready line is #N
 *   kill A | end A             kill A | wait for A, which was told to exit
 *   figure #N KIND [#B LO HI]  memory figure (kB) KIND, read until within #B+LO..#B+HI (HI may be max)
 *   require #N                 a step: answer #N must be ok
 *   require STEP ORACLE        a precondition, stated like a check
 *   check LABEL ORACLE         ORACLE: "answer #N PATTERN" or "compare TERM OP TERM"
 *
 * {#N.key} in a line is field key of answer #N, {#N.key+K} that number plus
 * K; {dir} is this run's scratch directory and {prefix} the names' prefix
 * ({PREFIX} in capitals).
 */
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <sys/stat.h>

#define REPRO_ANSWERS_MAX 512
#define REPRO_AGENTS_MAX 16
#define REPRO_SETTLE_MS 2500

static struct mc_reply answers[REPRO_ANSWERS_MAX];
static struct {
	char label[16];
	struct mc_agent *agent;
} agents_by_label[REPRO_AGENTS_MAX];
static char scratch[256], prefix[64], cgroup_dir[1200], cgroup_home[1100];
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

static void cleanup(void);

static void __attribute__((noreturn, format(printf, 2, 3))) finish(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	cleanup();
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

/* The number a term stands for: "#N.key+K", or a number. */
static uint64_t term_value(const char *term)
{
	uint64_t value = 0;

	if (term[0] == '#') {
		char key[64];
		int n = atoi(term + 1);
		const char *dot = strchr(term, '.');
		size_t klen = dot ? strcspn(dot + 1, "+-") : 0;

		if (!dot || klen >= sizeof(key))
			finish(2, "script line %d: malformed term %s", line_no, term);
		memcpy(key, dot + 1, klen);
		key[klen] = '\0';
		if (mc_line_get_u64(&answer(n)->line, key, &value))
			finish(1, "FAIL at script line %d: answer #%d (\"%s\") has no number %s", line_no, n,
			       answer(n)->text ? answer(n)->text : "", key);
		return value + (uint64_t)strtoll(dot + 1 + klen, NULL, 0);
	}
	if (mc_parse_u64(term, &value))
		finish(2, "script line %d: malformed term %s", line_no, term);
	return value;
}

static bool compares(uint64_t a, const char *op, uint64_t b)
{
	if (strcmp(op, "==") == 0)
		return a == b;
	if (strcmp(op, "!=") == 0)
		return a != b;
	if (strcmp(op, "<") == 0)
		return a < b;
	if (strcmp(op, "<=") == 0)
		return a <= b;
	if (strcmp(op, ">") == 0)
		return a > b;
	if (strcmp(op, ">=") == 0)
		return a >= b;
	if (strcmp(op, "multiple-of") == 0)
		return b != 0 && a % b == 0;
	finish(2, "script line %d: no comparison %s", line_no, op);
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
		uint64_t a = term_value(left), b = term_value(right);
		snprintf(got, cap, "expected %s %s %s, got %" PRIu64 " %s %" PRIu64, left, op, right, a, op, b);
		return compares(a, op, b);
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
		char inner[128], value[256] = "";
		size_t n = (size_t)(close - line - 1);

		snprintf(inner, sizeof(inner), "%.*s", (int)n, line + 1);
		if (strcmp(inner, "dir") == 0) {
			snprintf(value, sizeof(value), "%s", scratch);
		} else if (strcmp(inner, "prefix") == 0 || strcmp(inner, "PREFIX") == 0) {
			snprintf(value, sizeof(value), "%s", prefix);
			for (char *c = value; inner[0] == 'P' && *c; c++)
				*c = (char)toupper((unsigned char)*c);
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
		o += (size_t)snprintf(out + o, cap - o, "%s", value);
		line = close + 1;
	}
	out[o < cap ? o : cap - 1] = '\0';
}

/*
 * Memory figures, as the suite's controller reads them: from a memory
 * cgroup of this run's own when one can be made (root), so that nothing
 * else the machine does moves them; else from /proc/meminfo, which the
 * whole machine moves (the output says so).
 */
static bool cgroup_line(const char *want_controller, char *path, size_t cap)
{
	char line[1024];
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *controllers = strchr(line, ':'), *where = controllers ? strchr(controllers + 1, ':') : NULL;

		if (!where)
			continue;
		*where++ = '\0';
		where[strcspn(where, "\n")] = '\0';
		if (want_controller ? strstr(controllers + 1, want_controller) != NULL : controllers[1] == '\0') {
			snprintf(path, cap, "%s", where);
			found = true;
		}
	}
	if (f)
		fclose(f);
	return found;
}

static bool write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	bool ok = f && fputs(text, f) >= 0;

	if (f && fclose(f))
		ok = false;
	return ok;
}

static void join_memory_cgroup(void)
{
	char own[1024], procs[1300], pid[32];

	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (cgroup_line("memory", own, sizeof(own))) {             /* v1 */
		snprintf(cgroup_home, sizeof(cgroup_home), "/sys/fs/cgroup/memory%s", own);
		snprintf(cgroup_dir, sizeof(cgroup_dir), "%s/mapconf-repro-%ld", cgroup_home, (long)getpid());
	} else if (cgroup_line(NULL, own, sizeof(own))) {          /* v2: beside our own, as the runner does */
		snprintf(cgroup_home, sizeof(cgroup_home), "/sys/fs/cgroup%s", own);
		char *slash = strrchr(own, '/');
		if (slash)
			*slash = '\0';
		snprintf(cgroup_dir, sizeof(cgroup_dir), "/sys/fs/cgroup%s/mapconf-repro-%ld", own, (long)getpid());
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_dir);
	if (!cgroup_dir[0] || mkdir(cgroup_dir, 0755) || !write_text(procs, pid)) {
		if (cgroup_dir[0])
			rmdir(cgroup_dir);
		cgroup_dir[0] = '\0';
		printf("  -- memory is measured in /proc/meminfo (no memory cgroup of its own here): "
		       "run this on a quiet machine\n");
	}
}

static void leave_memory_cgroup(void)
{
	char procs[1300], pid[32];

	if (!cgroup_dir[0])
		return;
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cgroup_home);
	write_text(procs, pid);
	rmdir(cgroup_dir);
	cgroup_dir[0] = '\0';
}

static uint64_t memory_kb(const char *kind)
{
	char path[1300], line[256];
	const char *keys[3] = { NULL, NULL, NULL };
	long long value = -1;
	FILE *f;

	if (cgroup_dir[0]) {
		snprintf(path, sizeof(path), "%s/memory.stat", cgroup_dir);
		keys[0] = strcmp(kind, "shmem") == 0 ? "shmem" : "mapped_file";
		keys[1] = strcmp(kind, "shmem") == 0 ? NULL : "file_mapped";
	} else {
		snprintf(path, sizeof(path), "/proc/meminfo");
		keys[0] = strcmp(kind, "shmem") == 0 ? "Shmem" : "Mapped";
	}
	f = fopen(path, "re");
	while (f && value < 0 && fgets(line, sizeof(line), f))
		for (int i = 0; keys[i]; i++)
			if (strncmp(line, keys[i], strlen(keys[i])) == 0 && strchr(": ", line[strlen(keys[i])]))
				value = strtoll(line + strlen(keys[i]) + 1 + strspn(line + strlen(keys[i]) + 1, ": "),
						NULL, 10);
	if (f)
		fclose(f);
	if (value < 0)
		setup_failed("no %s figure in %s", kind, path);
	return (uint64_t)(cgroup_dir[0] ? value / 1024 : value);
}

/* figure #N KIND [#B LO HI]: read until within the range, for a bounded time, as the suite does */
static void figure(char *rest)
{
	int n = answer_number(strtok(rest, " "));
	const char *kind = strtok(NULL, " "), *base = strtok(NULL, " "), *lo = strtok(NULL, " "),
		   *hi = strtok(NULL, " ");
	uint64_t kb = memory_kb(kind), least = 0, most = UINT64_MAX;
	struct timespec pause = { 0, 10 * 1000000L }, start, now;
	static char texts[64][2][48];
	static int nfigures;
	const char *why;

	if (base && lo && hi) {
		uint64_t b;

		if (mc_line_get_u64(&answer(answer_number(base))->line, "kb", &b))
			finish(2, "script line %d: %s is no memory figure", line_no, base);
		least = strcmp(lo, "min") == 0 ? 0 : b + (uint64_t)strtoll(lo, NULL, 10);
		most = strcmp(hi, "max") == 0 ? UINT64_MAX : b + (uint64_t)strtoll(hi, NULL, 10);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((kb >= least && kb <= most) ||
		    (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 > REPRO_SETTLE_MS)
			break;
		nanosleep(&pause, NULL);   /* a bounded wait for a kernel counter, not for a process */
		kb = memory_kb(kind);
	}
	if (nfigures == 64)
		setup_failed("too many memory figures");
	snprintf(texts[nfigures][0], sizeof(texts[nfigures][0]), "ok kb=%" PRIu64, kb);
	memcpy(texts[nfigures][1], texts[nfigures][0], sizeof(texts[nfigures][1]));
	memset(answer(n), 0, sizeof(*answer(n)));
	answer(n)->ok = true;
	answer(n)->text = texts[nfigures][0];
	mc_line_parse(texts[nfigures][1], &answer(n)->line, &why);
	nfigures++;
	printf("  -- %s %s: %" PRIu64 " kB\n", cgroup_dir[0] ? "memory cgroup" : "/proc/meminfo", kind, kb);
}

/*
 * Every process an agent left (a child it forked, say, that outlived it):
 * this program is their subreaper (set_up), so they are its children now,
 * and each is killed and reaped. 0 when none was left.
 */
static int end_left_processes(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int ended = 0;

	while (d && (e = readdir(d))) {
		char path[300], stat[512];
		long ppid = 0;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "re");
		if (f && fgets(stat, sizeof(stat), f)) {
			const char *after_name = strrchr(stat, ')');
			if (after_name)
				sscanf(after_name + 2, "%*c %ld", &ppid);
		}
		if (f)
			fclose(f);
		if (ppid == (long)getpid()) {
			kill((pid_t)atol(e->d_name), SIGKILL);
			waitpid((pid_t)atol(e->d_name), NULL, 0);
			ended++;
		}
	}
	if (d)
		closedir(d);
	return ended;
}

/* What the run made, removed whatever happened: agents, what they left, objects, files, the cgroup. */
static void cleanup(void)
{
	DIR *d;
	struct dirent *e;
	char path[600];

	mc_agent_kill_all();
	for (int round = 0; round < 100 && end_left_processes() > 0; round++)
		;   /* a child killed while it forked leaves one more */
	if ((d = opendir("/dev/shm"))) {
		while ((e = readdir(d)))
			if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
				snprintf(path, sizeof(path), "/%s", e->d_name);
				shm_unlink(path);
			}
		closedir(d);
	}
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		const char *name = strstr(script[i], "backend=sysv name=");
		char full[256];

		if (name) {
			fill_in(name + strlen("backend=sysv name="), full, sizeof(full));
			full[strcspn(full, " ")] = '\0';
			int id = shmget(mc_sysv_key(full), 0, 0);
			if (id >= 0)
				shmctl(id, IPC_RMID, NULL);
		}
	}
	if (scratch[0] && (d = opendir(scratch))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", scratch, e->d_name);
				unlink(path);
			}
		closedir(d);
		rmdir(scratch);
	}
	leave_memory_cgroup();
}

static void join_memory_cgroup_once(void)
{
	static bool joined;

	if (!joined)
		join_memory_cgroup();
	joined = true;
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
		int fd;

		fill_in(strtok(rest, " "), name, sizeof(name));
		bytes = strtok(NULL, " ");
		snprintf(path, sizeof(path), "%s/%s", scratch, name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)strtoull(bytes, NULL, 10)) || close(fd))
			setup_failed("cannot make %s: %s", path, strerror(errno));
	} else if (strcmp(verb, "start") == 0) {
		const char *label = strtok(rest, " ");
		int n = answer_number(strtok(NULL, " "));
		struct mc_agent *a;

		join_memory_cgroup_once();
		a = mc_agent_spawn(label, why, sizeof(why));
		if (!a)
			setup_failed("%s", why);
		name_agent(label, a);
		answer(n)->ok = true;
		answer(n)->text = mc_agent_ready(a);
		char *copy = strdup(mc_agent_ready(a));
		const char *problem;
		if (!copy || mc_line_parse(copy, &answer(n)->line, &problem))
			setup_failed("agent %s announced itself badly", label);
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
		answer(m)->ok = true;
		answer(m)->text = mc_agent_ready(c);
	} else if (strcmp(verb, "exec") == 0) {
		struct mc_agent *a = agent_named(strtok(rest, " "));
		int n = answer_number(strtok(NULL, " "));

		st = mc_agent_exec(a, answer(n), why, sizeof(why));
		if (st == MC_CALL_ANSWERED && !answer(n)->ok)
			setup_failed("exec answered \"%s\"", answer(n)->text);
	} else if (strcmp(verb, "kill") == 0) {
		mc_agent_kill(agent_named(strtok(rest, " ")));
	} else if (strcmp(verb, "end") == 0) {
		char how[128];
		if (mc_agent_wait_end(agent_named(strtok(rest, " ")), how, sizeof(how)) != 0)
			setup_failed("the agent %s after an orderly exit", how);
	} else if (strcmp(verb, "figure") == 0) {
		figure(rest);
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

static void set_up(const char *self)
{
	char exe[PATH_MAX], argv_spec[PATH_MAX + 16], lib[PATH_MAX + 32], pid[32];
	const char *tmp = getenv("TMPDIR");

	if (!realpath(self, exe) && readlink("/proc/self/exe", exe, sizeof(exe) - 1) < 0)
		finish(2, "cannot find this program's own path");
	snprintf(argv_spec, sizeof(argv_spec), "%s\x1f--agent", exe);
	setenv("MAPCONF_AGENT_ARGV", argv_spec, 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("MAPCONF_CONTROLLER_PID", pid, 1);
	/* the test library, built from this same file (see the build line above) */
	snprintf(lib, sizeof(lib), "%.*s/repro-testlib.so", (int)(strrchr(exe, '/') - exe), exe);
	setenv("MAPCONF_TESTLIB", lib, 0);
	snprintf(prefix, sizeof(prefix), "mapconf-repro%ld-", (long)getpid());
	setenv("MAPCONF_RUN_ID", prefix + strlen("mapconf-"), 1);   /* what a shim names, it names like the objects */
	*strrchr(getenv("MAPCONF_RUN_ID"), '-') = '\0';
	snprintf(scratch, sizeof(scratch), "%s/mapconf-repro-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		finish(2, "cannot make a scratch directory in %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
	setenv("MAPCONF_SCRATCH", scratch, 1);   /* where its files are, for a shim that acts on them only */
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_CHILD_SUBREAPER, 1);   /* what an agent leaves becomes ours to end (cleanup) */
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--agent") == 0)
		return agent_main();
	set_up(argv[0]);
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
