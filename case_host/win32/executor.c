/*
 * The requests of a bundle's jobs, one after another, answered as
 * case_host.c answers them (its head comment): env, make and case.
 */
#include "executor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An environment variable of this process (which the cases inherit), or NULL. */
static const char *variable(const char *name, char *value, DWORD size)
{
	DWORD n = GetEnvironmentVariableA(name, value, size);

	return n > 0 && n < size ? value : NULL;
}

/* The scratch directory as Windows names it, made if missing; NULL if it is not set. */
static const char *scratch_directory(char *dir, size_t size)
{
	char inside[MAX_PATH * 2 + 4];

	if (!variable("MAPCONF_SCRATCH", dir, (DWORD)size))
		return NULL;
	path_to_windows(dir);
	snprintf(inside, sizeof(inside), "%s\\x", dir);
	make_parents(inside);
	return dir;
}

/* env: NAME=<value in hex> each, for the cases that follow; answered with the scratch filesystem. */
static void set_env(char **fields, int n)
{
	static char value[EXECUTOR_LINE_MAX];
	char dir[MAX_PATH * 2], fs[64];

	for (int i = 1; i < n; i++) {
		char *eq = strchr(fields[i], '=');

		if (!eq || eq == fields[i] || strlen(eq + 1) % 2) {
			answer_add("error", "not NAME=<value in hex>: %s", fields[i]);
			answer_send();
			return;
		}
		*eq = '\0';
		if (hex_decode(eq + 1, value, sizeof(value)) != 0) {
			answer_add("error", "the value of %s is not in hex", fields[i]);
			answer_send();
			return;
		}
		SetEnvironmentVariableA(fields[i], value);
	}
	answer_line("ok scratch_fs=%s", scratch_directory(dir, sizeof(dir)) ? filesystem_of(dir, fs, sizeof(fs))
									     : "unknown");
}

/* make: files of fields[1] zero bytes each; one that exists is kept as it is. */
static void make_files(char **fields, int n)
{
	LARGE_INTEGER size = { .QuadPart = strtoll(fields[1], NULL, 10) };

	for (int i = 2; i < n; i++) {
		path_to_windows(fields[i]);
		make_parents(fields[i]);
		HANDLE file = CreateFileA(fields[i], GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);

		if (file == INVALID_HANDLE_VALUE && GetLastError() == ERROR_FILE_EXISTS)
			continue;
		/* the end of file moved past zero bytes: the bytes between read as zeros */
		if (file == INVALID_HANDLE_VALUE || !SetFilePointerEx(file, size, NULL, FILE_BEGIN) ||
		    !SetEndOfFile(file)) {
			answer_add("error", "cannot make %s: error %lu", fields[i], GetLastError());
			if (file != INVALID_HANDLE_VALUE)
				CloseHandle(file);
			answer_send();
			return;
		}
		CloseHandle(file);
	}
	answer_line("ok");
}

/*
 * Where the run is, on the executor's own output, for the person who
 * started it: the case's number, its program and its arguments' values
 * (the case and the backend), before it runs.
 */
static void say_progress(char **argv)
{
	static int cases;

	printf("mapconf-run: case %d: %s", ++cases, argv[0]);
	for (int i = 1; argv[i] && argv[i + 1]; i += 2)
		if (!strcmp(argv[i], "--case") || !strcmp(argv[i], "--backend"))
			printf(" %s", argv[i + 1]);
	printf("\n");
	fflush(stdout);
}

/* case: its files emptied, its process run in a job, what it left removed; the answer, then its files. */
static void run_case(char **fields)
{
	char dir[MAX_PATH * 2], run_id[256], output[MAX_PATH * 2], prefix[320];

	path_to_windows(fields[2]);     /* the files, RS between them */
	path_to_windows(fields[3]);     /* the program; its arguments are the case's to read */
	snprintf(output, sizeof(output), "%.*s", (int)strcspn(fields[2], EXECUTOR_FILE_SEP), fields[2]);
	if (!variable("MAPCONF_RUN_ID", run_id, sizeof(run_id)) || !variable("MAPCONF_SCRATCH", dir, sizeof(dir))) {
		answer_add("error", "MAPCONF_SCRATCH and MAPCONF_RUN_ID must be set (an env request sets them)");
	} else if (empty_files(fields[2]) == 0) {
		DWORD pid;

		scratch_directory(dir, sizeof(dir));
		say_progress(&fields[3]);
		run_case_process(&fields[3], output, strtol(fields[1], NULL, 10), &pid);
		if (pid) {
			snprintf(prefix, sizeof(prefix), "mapconf-%s-%lu-", run_id, pid);
			remove_scratch_files(dir, prefix);
		}
	}
	answer_send();
	answer_send_files(fields[2]);     /* after every case answer, whatever became of the case */
}

void serve_requests(FILE *jobs)
{
	static char line[EXECUTOR_LINE_MAX];

	while (fgets(line, sizeof(line), jobs)) {
		char *fields[EXECUTOR_ARGS_MAX + 4];

		line[strcspn(line, "\r\n")] = '\0';     /* jobs copied through a Windows editor may end in CR LF */
		int n = request_split(line, fields, EXECUTOR_ARGS_MAX + 4);

		answer_begin();
		if (n >= 4 && !strcmp(fields[0], "case")) {
			run_case(fields);
		} else if (n >= 1 && !strcmp(fields[0], "env")) {
			set_env(fields, n);
		} else if (n >= 2 && !strcmp(fields[0], "make")) {
			make_files(fields, n);
		} else {
			answer_add("error", "bad request (expected: case US timeout_ms US output [RS file]... US argv..., "
				   "env US NAME=hex..., or make US bytes US file...)");
			answer_send();
		}
	}
}
