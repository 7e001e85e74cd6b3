/*
 * A stand-in for a case, which the executor's tests (test_executor.c) run
 * in a bundle of their own. What it does is its first argument:
 *
 *   print TEXT CODE   TEXT to stdout, "to stderr" to stderr, then exits CODE
 *   args ARG...       each argument as [ARG] on a line of its own (how its C
 *                     runtime split the command line the executor wrote)
 *   hang              prints its pid, sets the named event MAPCONF_PROBE_READY
 *                     names (if it is set), and waits for an event that no one
 *                     sets: past any timeout
 *   orphan            starts `hang` (a child that outlives it), then exits 3
 *   scratch NAME      makes %MAPCONF_SCRATCH%\mapconf-<run id>-<its pid>-NAME,
 *                     as a case names its objects, and exits 0
 *   crash             writes through a null pointer
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

static int hang(void)
{
	HANDLE never = CreateEventA(NULL, TRUE, FALSE, NULL);
	const char *ready = getenv("MAPCONF_PROBE_READY");

	printf("pid %lu\n", GetCurrentProcessId());
	fflush(stdout);
	if (ready) {
		HANDLE event = OpenEventA(EVENT_MODIFY_STATE, FALSE, ready);

		if (event) {
			SetEvent(event);
			CloseHandle(event);
		}
	}

	WaitForSingleObject(never, INFINITE);
	return 1;
}

static int orphan(void)
{
	char self[MAX_PATH], line[MAX_PATH + 16];
	STARTUPINFOA start = { .cb = sizeof(start) };
	PROCESS_INFORMATION process;

	GetModuleFileNameA(NULL, self, sizeof(self));
	snprintf(line, sizeof(line), "\"%s\" hang", self);
	if (!CreateProcessA(self, line, NULL, NULL, FALSE, 0, NULL, NULL, &start, &process))
		return 1;
	printf("child %lu\n", process.dwProcessId);
	return 3;
}

static int scratch(const char *name)
{
	const char *dir = getenv("MAPCONF_SCRATCH"), *run = getenv("MAPCONF_RUN_ID");
	char path[MAX_PATH * 2];
	FILE *f;

	if (!dir || !run)
		return 1;
	snprintf(path, sizeof(path), "%s/mapconf-%s-%lu-%s", dir, run, GetCurrentProcessId(), name);
	f = fopen(path, "w");
	if (!f)
		return 1;
	fputs("left behind\n", f);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "print")) {
		printf("%s\n", argv[2]);
		fflush(stdout);
		fprintf(stderr, "to stderr\n");
		return atoi(argv[3]);
	}
	if (argc >= 2 && !strcmp(argv[1], "args")) {
		for (int i = 2; i < argc; i++)
			printf("[%s]\n", argv[i]);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "hang"))
		return hang();
	if (argc == 2 && !strcmp(argv[1], "orphan"))
		return orphan();
	if (argc == 3 && !strcmp(argv[1], "scratch"))
		return scratch(argv[2]);
	if (argc == 2 && !strcmp(argv[1], "crash")) {
		volatile int *nowhere = NULL;

		*nowhere = 1;
		return 0;
	}
	fprintf(stderr, "usage: case_host_probe print TEXT CODE | args ARG... | hang | orphan | scratch NAME | crash\n");
	return 2;
}
