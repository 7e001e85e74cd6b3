/*
 * Whole runs of mapconf-run.exe (..\bundle\ beside this program), run under
 * Wine: a bundle's directory of its own in the temporary directory, with
 * the probe (case_host_probe.exe, beside this program) as its cases' program
 * and a jobs file that has it print, exit with a code, split its arguments,
 * outlive its timeout, leave a child and a scratch file behind, crash, and
 * not be found. The answers are read byte by byte, as the runner's reader
 * (runner/bundle.py read_answers) reads them: `ended` lines with LF only,
 * each followed by the case's three files as `file US <length>` and bytes.
 * Then a second run in the same directory is refused and leaves the records
 * as they were, and so are an argument and a directory with no jobs; and
 * an executor killed while its case runs takes the case with it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <cmocka.h>

#define US "\x1f"
#define RS "\x1e"
#define RUN_WAIT_MS 60000       /* a whole run (the hang case's 1.5 s, the rest a few ms each) on a busy machine: within the step's 120 s */
#define HANG_TIMEOUT_MS 1500
#define CASES 7
#define FILES 3                 /* each case's output, record and transcript, as a bundle's jobs name them */

static char dir[MAX_PATH];          /* the bundle's directory */
static char executor[MAX_PATH];     /* mapconf-run.exe */
static char *answers;               /* records/answers, as the first run wrote it */
static size_t answers_len;
static DWORD run_status;
static int parsed = -1;             /* 0 once the answers were read as the runner reads them */

struct ended {
	char line[4096];
	char *files[FILES];
	size_t lengths[FILES];
};
static struct ended cases[CASES];
static char bad_request[4096];
static char lines_before[3][256];   /* ready, ok to env, ok to make */

static void beside_this_program(char *path, size_t size, const char *relative)
{
	char self[MAX_PATH];
	char *slash;

	GetModuleFileNameA(NULL, self, sizeof(self));
	slash = strrchr(self, '\\');
	if (slash)
		*slash = '\0';
	snprintf(path, size, "%s\\%s", self, relative);
}

static void in_dir(char *path, size_t size, const char *relative)
{
	snprintf(path, size, "%s\\%s", dir, relative);
}

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)size + 1);
	*len = fread(data, 1, (size_t)size, f);
	data[*len] = '\0';
	fclose(f);
	return data;
}

static void write_whole(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Start mapconf-run.exe in where with the given arguments, its output and stderr to where\executor-said; not waited for. */
static HANDLE start_executor(const char *where, const char *arguments)
{
	char line[MAX_PATH * 2], said[MAX_PATH];
	SECURITY_ATTRIBUTES inherit = { sizeof(inherit), NULL, TRUE };
	STARTUPINFOA start = { .cb = sizeof(start) };
	PROCESS_INFORMATION process;

	snprintf(said, sizeof(said), "%s\\executor-said", where);
	snprintf(line, sizeof(line), "mapconf-run.exe%s", arguments);
	HANDLE out = CreateFileA(said, GENERIC_WRITE, FILE_SHARE_READ, &inherit, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
				 NULL);

	assert_true(out != INVALID_HANDLE_VALUE);
	start.dwFlags = STARTF_USESTDHANDLES;
	start.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
	start.hStdOutput = out;
	start.hStdError = out;
	assert_true(CreateProcessA(executor, line, NULL, NULL, TRUE, 0, NULL, where, &start, &process));
	CloseHandle(out);
	CloseHandle(process.hThread);
	return process.hProcess;
}

/* Run mapconf-run.exe in where with the given arguments; its exit status. */
static DWORD run_executor(const char *where, const char *arguments)
{
	HANDLE process = start_executor(where, arguments);
	DWORD status = 9999;

	if (WaitForSingleObject(process, RUN_WAIT_MS) != WAIT_OBJECT_0) {
		TerminateProcess(process, 1);
		WaitForSingleObject(process, RUN_WAIT_MS);
		fail_msg("mapconf-run.exe did not end within %d ms", RUN_WAIT_MS);
	}
	GetExitCodeProcess(process, &status);
	CloseHandle(process);
	return status;
}

static void remove_tree(const char *path)
{
	char pattern[MAX_PATH], child[MAX_PATH];
	WIN32_FIND_DATAA found;
	HANDLE search;

	snprintf(pattern, sizeof(pattern), "%s\\*", path);
	search = FindFirstFileA(pattern, &found);
	if (search != INVALID_HANDLE_VALUE) {
		do {
			if (!strcmp(found.cFileName, ".") || !strcmp(found.cFileName, ".."))
				continue;
			snprintf(child, sizeof(child), "%s\\%s", path, found.cFileName);
			if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
				remove_tree(child);
			else
				DeleteFileA(child);
		} while (FindNextFileA(search, &found));
		FindClose(search);
	}
	RemoveDirectoryA(path);
}

/* One case of the jobs: its three files under work\<index>, the probe as its program. */
static void add_case(char *jobs, size_t size, int index, int timeout_ms, const char *program, const char *arguments)
{
	size_t len = strlen(jobs);

	snprintf(jobs + len, size - len, "case" US "%d" US "work/%d/output" RS "work/%d/record" RS "work/%d/transcript"
		 US "%s" US "%s\n", timeout_ms, index, index, index, program, arguments);
}

static char *take_line(char **at, char *end)
{
	char *nl = memchr(*at, '\n', (size_t)(end - *at));
	char *line = *at;

	if (!nl)
		return NULL;
	*nl = '\0';
	*at = nl + 1;
	return line;
}

/* records/answers as the runner reads it: the lines before the cases, then each case's end and files. */
static int parse_answers(void)
{
	char *at = answers, *end = answers + answers_len, *line;

	for (int i = 0; i < 3; i++) {
		if (!(line = take_line(&at, end)))
			return -1;
		snprintf(lines_before[i], sizeof(lines_before[i]), "%s", line);
	}
	for (int c = 0; c < CASES; c++) {
		if (!(line = take_line(&at, end)))
			return -1;
		snprintf(cases[c].line, sizeof(cases[c].line), "%s", line);
		for (int f = 0; f < FILES; f++) {
			char *head = take_line(&at, end), *after;

			if (!head || strncmp(head, "file" US, 5) != 0)
				return -1;
			cases[c].lengths[f] = strtoul(head + 5, &after, 10);
			if (*after || after == head + 5 || cases[c].lengths[f] > (size_t)(end - at))
				return -1;
			cases[c].files[f] = at;
			at += cases[c].lengths[f];
		}
	}
	if (!(line = take_line(&at, end)))
		return -1;
	snprintf(bad_request, sizeof(bad_request), "%s", line);
	return at == end ? 0 : -1;
}

static int whole_run(void **state)
{
	static char jobs[8192];
	char temp[MAX_PATH], path[MAX_PATH], probe[MAX_PATH];

	(void)state;
	beside_this_program(executor, sizeof(executor), "..\\bundle\\mapconf-run.exe");
	beside_this_program(probe, sizeof(probe), "case_host_probe.exe");
	GetTempPathA(sizeof(temp), temp);
	snprintf(dir, sizeof(dir), "%smapconf-executor-test-%lu", temp, GetCurrentProcessId());
	remove_tree(dir);
	if (!CreateDirectoryA(dir, NULL))
		return -1;
	in_dir(path, sizeof(path), "build");
	CreateDirectoryA(path, NULL);
	in_dir(path, sizeof(path), "build\\probe.exe");
	if (!CopyFileA(probe, path, FALSE))
		return -1;
	/* the environment as a bundle's jobs set it: each value in hex (t1, run/objects) */
	snprintf(jobs, sizeof(jobs), "env" US "MAPCONF_RUN_ID=7431" US "MAPCONF_SCRATCH=72756e2f6f626a65637473\n"
		 "make" US "4096" US "run/objects/mapconf-t1-before-X-file\n");
	add_case(jobs, sizeof(jobs), 0, 10000, "build/probe.exe", "print" US "hello" US "7");
	add_case(jobs, sizeof(jobs), 1, 10000, "build\\probe.exe",
		 "args" US "a b" US "x\\\"y" US "tail\\" US "with space\\" US "q\"" US "\\\\server\\share");
	add_case(jobs, sizeof(jobs), 2, HANG_TIMEOUT_MS, "build/probe.exe", "hang");
	add_case(jobs, sizeof(jobs), 3, 10000, "build/probe.exe", "orphan");
	add_case(jobs, sizeof(jobs), 4, 10000, "build/probe.exe", "scratch" US "obj");
	add_case(jobs, sizeof(jobs), 5, 10000, "build/probe.exe", "crash");
	add_case(jobs, sizeof(jobs), 6, 10000, "build/missing.exe", "x");
	strcat(jobs, "no such request\n");
	in_dir(path, sizeof(path), "jobs");
	write_whole(path, jobs);
	run_status = run_executor(dir, "");
	in_dir(path, sizeof(path), "records\\answers");
	answers = read_whole(path, &answers_len);
	if (!answers)
		return -1;
	parsed = parse_answers();
	return 0;
}

static int remove_run(void **state)
{
	(void)state;
	free(answers);
	remove_tree(dir);
	return 0;
}

static void the_run_ends_with_status_0_and_answers_every_request(void **state)
{
	(void)state;
	assert_int_equal(run_status, 0);
	assert_int_equal(parsed, 0);
	/* the records are binary: no CR before any LF of the executor's own */
	assert_null(strstr(lines_before[0], "\r"));
	assert_null(strstr(cases[0].line, "\r"));
}

static void the_lines_before_the_cases_give_the_target_facts(void **state)
{
	char *end;

	(void)state;
	assert_int_equal(strncmp(lines_before[0], "ready pid=", 10), 0);
	assert_true(strtoul(lines_before[0] + 10, &end, 10) > 0);
	assert_true(!strcmp(end, " elevated=1 memory_cgroup=0") || !strcmp(end, " elevated=0 memory_cgroup=0"));
	assert_int_equal(strncmp(lines_before[1], "ok scratch_fs=", 14), 0);
	assert_true(strlen(lines_before[1]) > 14);
	assert_string_not_equal(lines_before[1], "ok scratch_fs=unknown");
	assert_string_equal(lines_before[2], "ok");
}

static void an_exit_code_and_the_output_come_back(void **state)
{
	(void)state;
	assert_int_equal(strncmp(cases[0].line, "ended" US "exit=7" US "ms=", 16), 0);
	assert_null(strstr(cases[0].line, "removed="));
	/* stdout and stderr, both to the output file; the probe's C runtime writes CR LF */
	assert_int_equal(cases[0].lengths[0], strlen("hello\r\nto stderr\r\n"));
	assert_memory_equal(cases[0].files[0], "hello\r\nto stderr\r\n", cases[0].lengths[0]);
	assert_int_equal(cases[0].lengths[1], 0);
	assert_int_equal(cases[0].lengths[2], 0);
}

static void the_cases_c_runtime_gets_its_arguments_as_they_were(void **state)
{
	const char *expected = "[a b]\r\n[x\\\"y]\r\n[tail\\]\r\n[with space\\]\r\n[q\"]\r\n[\\\\server\\share]\r\n";

	(void)state;
	assert_int_equal(strncmp(cases[1].line, "ended" US "exit=0" US, 12), 0);
	assert_int_equal(cases[1].lengths[0], strlen(expected));
	assert_memory_equal(cases[1].files[0], expected, strlen(expected));
}

static void a_case_past_its_timeout_is_ended_and_says_so(void **state)
{
	char *ms;

	(void)state;
	assert_int_equal(strncmp(cases[2].line, "ended" US "timeout=1500" US "ms=", 22), 0);
	ms = strstr(cases[2].line, "ms=") + 3;
	assert_true(strtol(ms, NULL, 10) >= HANG_TIMEOUT_MS);
	assert_true(strtol(ms, NULL, 10) < HANG_TIMEOUT_MS + 10000);
	/* the case itself is not a leftover */
	assert_null(strstr(cases[2].line, "removed="));
	assert_true(cases[2].lengths[0] > 4);
	assert_memory_equal(cases[2].files[0], "pid ", 4);
}

static void a_child_that_outlives_its_case_is_ended_and_named(void **state)
{
	char output[64], removed[128];
	unsigned long child;

	(void)state;
	assert_int_equal(strncmp(cases[3].line, "ended" US "exit=3" US "ms=", 16), 0);
	snprintf(output, sizeof(output), "%.*s", (int)cases[3].lengths[0], cases[3].files[0]);
	assert_int_equal(sscanf(output, "child %lu", &child), 1);
	snprintf(removed, sizeof(removed), US "removed=process %lu (probe.exe)", child);
	assert_non_null(strstr(cases[3].line, removed));
	/* gone: Windows says it has ended, or has forgotten the pid */
	HANDLE process = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)child);

	if (process) {
		assert_int_equal(WaitForSingleObject(process, 0), WAIT_OBJECT_0);
		CloseHandle(process);
	}
}

static void a_scratch_file_of_the_case_is_removed_and_the_runs_stay(void **state)
{
	char path[MAX_PATH], name[128];
	const char *removed;
	unsigned long pid;
	WIN32_FILE_ATTRIBUTE_DATA data;

	(void)state;
	assert_int_equal(strncmp(cases[4].line, "ended" US "exit=0" US "ms=", 16), 0);
	/* named for the run and the case's process, as the controller names its objects */
	removed = strstr(cases[4].line, US "removed=file mapconf-t1-");
	assert_non_null(removed);
	assert_int_equal(sscanf(removed, US "removed=file mapconf-t1-%lu-obj", &pid), 1);
	snprintf(name, sizeof(name), "mapconf-t1-%lu-obj", pid);
	assert_string_equal(removed + strlen(US "removed=file "), name);
	in_dir(path, sizeof(path), "run\\objects\\");
	strcat(path, name);
	assert_int_equal(GetFileAttributesA(path), INVALID_FILE_ATTRIBUTES);
	/* made before the run: it carries no case's pid, and stays for the cases after */
	in_dir(path, sizeof(path), "run\\objects\\mapconf-t1-before-X-file");
	assert_true(GetFileAttributesExA(path, GetFileExInfoStandard, &data));
	assert_int_equal(data.nFileSizeLow, 4096);
}

static void a_crash_is_its_exception_code_in_decimal(void **state)
{
	(void)state;
	/* 0xC0000005, as GetExitCodeProcess gives it */
	assert_int_equal(strncmp(cases[5].line, "ended" US "exit=3221225477" US "ms=", 25), 0);
}

static void a_program_not_found_is_status_127_and_said_in_the_output(void **state)
{
	char output[512];

	(void)state;
	assert_int_equal(strncmp(cases[6].line, "ended" US "exit=127" US "ms=", 18), 0);
	snprintf(output, sizeof(output), "%.*s", (int)cases[6].lengths[0], cases[6].files[0]);
	assert_non_null(strstr(output, "cannot run build\\missing.exe"));
}

static void a_bad_request_is_an_error_answer(void **state)
{
	(void)state;
	assert_int_equal(strncmp(bad_request, "ended" US "error=bad request", 22), 0);
}

static void the_machine_file_names_windows_and_wine(void **state)
{
	char path[MAX_PATH];
	size_t len;
	char *machine;
	HMODULE ntdll = GetModuleHandleA("ntdll.dll");

	(void)state;
	in_dir(path, sizeof(path), "records\\machine");
	machine = read_whole(path, &len);
	assert_non_null(machine);
	assert_int_equal(strncmp(machine, "os=Windows ", 11), 0);
	assert_non_null(strstr(machine, "\nkernel=Windows NT "));
	assert_non_null(strstr(machine, "\nkernel_version="));
	assert_non_null(strstr(machine, "\narch=x86_64\n"));
	assert_non_null(strstr(machine, "\nlibc=msvcrt\n"));
	assert_non_null(strstr(machine, "\nstarted="));
	assert_non_null(strstr(machine, "\nfinished="));
	if (GetProcAddress(ntdll, "wine_get_version"))
		assert_non_null(strstr(machine, "\nwine="));
	else
		assert_null(strstr(machine, "wine="));
	assert_null(strstr(machine, "\r"));
	free(machine);
}

static void records_are_never_overwritten(void **state)
{
	char path[MAX_PATH];
	size_t len, said_len;
	char *again, *said;

	(void)state;
	assert_int_equal(run_executor(dir, ""), 2);
	in_dir(path, sizeof(path), "records\\answers");
	again = read_whole(path, &len);
	assert_non_null(again);
	assert_int_equal(len, answers_len);
	free(again);
	in_dir(path, sizeof(path), "executor-said");
	said = read_whole(path, &said_len);
	assert_non_null(strstr(said, "not overwritten"));
	free(said);
}

static void an_argument_or_no_jobs_is_refused(void **state)
{
	char empty[MAX_PATH], path[MAX_PATH];

	(void)state;
	assert_int_equal(run_executor(dir, " --send-files"), 2);
	in_dir(empty, sizeof(empty), "empty");
	CreateDirectoryA(empty, NULL);
	assert_int_equal(run_executor(empty, ""), 2);
	/* nothing written where there were no jobs */
	snprintf(path, sizeof(path), "%s\\records", empty);
	assert_int_equal(GetFileAttributesA(path), INVALID_FILE_ATTRIBUTES);
}

static void the_cases_processes_end_when_the_executor_dies(void **state)
{
	char where[MAX_PATH], path[MAX_PATH], jobs[1024], event_name[64], hex[128] = "";
	unsigned long pid = 0;
	size_t len;
	char *output;

	(void)state;
	in_dir(where, sizeof(where), "dies");
	CreateDirectoryA(where, NULL);
	snprintf(event_name, sizeof(event_name), "mapconf-probe-ready-%lu", GetCurrentProcessId());
	for (const char *p = event_name; *p; p++)
		snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%02x", (unsigned char)*p);
	HANDLE ready = CreateEventA(NULL, TRUE, FALSE, event_name);

	assert_non_null(ready);
	/* a case far from its timeout, started from the first bundle's probe */
	snprintf(jobs, sizeof(jobs), "env" US "MAPCONF_RUN_ID=7431" US "MAPCONF_SCRATCH=72756e2f6f626a65637473" US
		 "MAPCONF_PROBE_READY=%s\n", hex);
	add_case(jobs, sizeof(jobs), 0, RUN_WAIT_MS, "../build/probe.exe", "hang");
	snprintf(path, sizeof(path), "%s\\jobs", where);
	write_whole(path, jobs);
	HANDLE run = start_executor(where, "");

	if (WaitForSingleObject(ready, RUN_WAIT_MS) != WAIT_OBJECT_0) {
		TerminateProcess(run, 1);
		WaitForSingleObject(run, RUN_WAIT_MS);
		fail_msg("the case did not start within %d ms", RUN_WAIT_MS);
	}
	CloseHandle(ready);
	snprintf(path, sizeof(path), "%s\\work\\0\\output", where);
	output = read_whole(path, &len);
	assert_non_null(output);
	assert_int_equal(sscanf(output, "pid %lu", &pid), 1);
	free(output);
	HANDLE probe = OpenProcess(SYNCHRONIZE, FALSE, (DWORD)pid);

	assert_non_null(probe);
	/* as if it crashed or was killed: no cleanup of its own runs */
	assert_true(TerminateProcess(run, 9));
	assert_int_equal(WaitForSingleObject(run, RUN_WAIT_MS), WAIT_OBJECT_0);
	CloseHandle(run);
	/* its job's last handle closed with it: the job ended the case */
	assert_int_equal(WaitForSingleObject(probe, RUN_WAIT_MS), WAIT_OBJECT_0);
	CloseHandle(probe);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_run_ends_with_status_0_and_answers_every_request),
		cmocka_unit_test(the_lines_before_the_cases_give_the_target_facts),
		cmocka_unit_test(an_exit_code_and_the_output_come_back),
		cmocka_unit_test(the_cases_c_runtime_gets_its_arguments_as_they_were),
		cmocka_unit_test(a_case_past_its_timeout_is_ended_and_says_so),
		cmocka_unit_test(a_child_that_outlives_its_case_is_ended_and_named),
		cmocka_unit_test(a_scratch_file_of_the_case_is_removed_and_the_runs_stay),
		cmocka_unit_test(a_crash_is_its_exception_code_in_decimal),
		cmocka_unit_test(a_program_not_found_is_status_127_and_said_in_the_output),
		cmocka_unit_test(a_bad_request_is_an_error_answer),
		cmocka_unit_test(the_machine_file_names_windows_and_wine),
		cmocka_unit_test(records_are_never_overwritten),
		cmocka_unit_test(an_argument_or_no_jobs_is_refused),
		cmocka_unit_test(the_cases_processes_end_when_the_executor_dies),
	};

	return cmocka_run_group_tests(tests, whole_run, remove_run);
}
