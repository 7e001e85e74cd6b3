/*
 * mapconf-run.exe: run from a bundle's directory with no arguments, it
 * answers the requests of the file jobs into records/answers and tells of
 * the machine in records/machine (executor.h). A bundle's records are
 * never overwritten: with records/answers there already, it refuses.
 */
#include "executor.h"

#include <stdio.h>

#define ANSWERS "records\\answers"
#define MACHINE "records\\machine"

/* Whether records/answers exists and holds something: the records of an earlier run. */
static int answers_exist(void)
{
	WIN32_FILE_ATTRIBUTE_DATA data;

	return GetFileAttributesExA(ANSWERS, GetFileExInfoStandard, &data) &&
	       (data.nFileSizeLow || data.nFileSizeHigh);
}

int main(int argc, char **argv)
{
	FILE *jobs, *answers;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: mapconf-run.exe (no arguments: run it from the bundle's directory, "
			"where it reads jobs and writes records\\)\n");
		return 2;
	}
	/* no error box for a case that cannot find a DLL or crashes: the cases inherit this */
	SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
	/* A console of its own for the cases to share (it fails, harmlessly, where there is one
	 * already: run from cmd or Explorer): else each case would get one, and its console host
	 * (conhost.exe) would be a process of the case's job, named as left behind. */
	AllocConsole();
	/* The cases are started inheriting handles (their output and NUL): its own standard
	 * handles, a pipe from whoever started it say, must not go with them, or a case's
	 * process would keep that pipe open. */
	SetHandleInformation(GetStdHandle(STD_INPUT_HANDLE), HANDLE_FLAG_INHERIT, 0);
	SetHandleInformation(GetStdHandle(STD_OUTPUT_HANDLE), HANDLE_FLAG_INHERIT, 0);
	SetHandleInformation(GetStdHandle(STD_ERROR_HANDLE), HANDLE_FLAG_INHERIT, 0);
	jobs = fopen("jobs", "rbN");    /* N: not inherited by the cases */
	if (!jobs) {
		fprintf(stderr, "mapconf-run: no file 'jobs' here: run it from the bundle's directory\n");
		return 2;
	}
	if (answers_exist()) {
		fprintf(stderr, "mapconf-run: records\\answers is here already, and a bundle's records are not "
			"overwritten: run it in a fresh copy of the bundle, or move records away first\n");
		fclose(jobs);
		return 2;
	}
	CreateDirectoryA("records", NULL);
	DeleteFileA(MACHINE);
	write_machine(MACHINE, "started");
	answers = fopen(ANSWERS, "wbN");
	if (!answers) {
		fprintf(stderr, "mapconf-run: cannot write records\\answers\n");
		fclose(jobs);
		return 2;
	}
	answers_open(answers);
	answer_line("ready pid=%lu elevated=%d memory_cgroup=0", GetCurrentProcessId(), token_elevated());
	serve_requests(jobs);
	fclose(jobs);
	fclose(answers);
	write_machine(MACHINE, "finished");
	return 0;
}
