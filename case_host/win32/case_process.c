/*
 * One case's process: started suspended, put in a job object of its own
 * before it runs a single instruction (so every process it starts, its
 * agents, is in the job too), waited for at most its timeout, and then
 * whatever of the job is left ended and named.
 *
 * The job kills its processes when its last handle closes
 * (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE): if the executor itself dies, Windows
 * closes its handles and nothing of the case outlives it. A process of the
 * job that crashes ends at once with its exception code
 * (JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION), instead of waiting, until
 * the case's timeout, on an error box that no one will close.
 *
 * What is left is what the case leaves on Windows: a section (the named
 * shared memory the cases map) lives as long as a handle on it, so processes
 * are what can keep one; they are ended here, and the files the case left
 * are removed after (scratch_files.c).
 */
#include "executor.h"

#include <string.h>

#define PROCESSES_MAX 256
#define END_WAIT_MS 10000       /* for a terminated process to be gone: Windows ends it at once, but not synchronously */
#define END_ROUNDS 4            /* a process may start another just before the job is terminated */

static LARGE_INTEGER started_at;

static long ms_since_start(void)
{
	LARGE_INTEGER now, frequency;

	QueryPerformanceCounter(&now);
	QueryPerformanceFrequency(&frequency);
	return (long)((now.QuadPart - started_at.QuadPart) * 1000 / frequency.QuadPart);
}

int empty_files(const char *files)
{
	char list[EXECUTOR_LINE_MAX];

	snprintf(list, sizeof(list), "%s", files);
	for (char *f = strtok(list, EXECUTOR_FILE_SEP); f; f = strtok(NULL, EXECUTOR_FILE_SEP)) {
		make_parents(f);
		HANDLE file = CreateFileA(f, GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
					  CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL);

		if (file == INVALID_HANDLE_VALUE) {
			answer_add("error", "cannot empty %s: error %lu", f, GetLastError());
			return -1;
		}
		CloseHandle(file);
	}
	return 0;
}

/* The job: its processes die with it, and crash at once, with no error box. */
static HANDLE make_job(void)
{
	JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
	HANDLE job = CreateJobObjectA(NULL, NULL);

	if (!job)
		return NULL;
	memset(&limits, 0, sizeof(limits));
	limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE |
						  JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION;
	if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof(limits))) {
		CloseHandle(job);
		return NULL;
	}
	return job;
}

/* A handle the case inherits: its output (stdout and stderr alike) or NUL (stdin). */
static HANDLE inheritable(const char *path, DWORD access, DWORD disposition)
{
	SECURITY_ATTRIBUTES inherit = { sizeof(inherit), NULL, TRUE };

	return CreateFileA(path, access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, &inherit,
			   disposition, FILE_ATTRIBUTE_NORMAL, NULL);
}

/* As case_host.c's child that cannot exec: why, in the case's output, and status 127. */
static void cannot_run(HANDLE output, const char *program, DWORD error)
{
	char why[512];
	DWORD written;
	int n = snprintf(why, sizeof(why), "mapconf-run: cannot run %s: error %lu\n", program, error);

	WriteFile(output, why, (DWORD)n, &written, NULL);
	answer_add("exit", "127");
}

/* The image name of a process (its file's name, without the directory), or "?". */
static void image_name(HANDLE process, char *name, DWORD size)
{
	char path[MAX_PATH * 2];
	DWORD len = sizeof(path);

	if (!QueryFullProcessImageNameA(process, 0, path, &len)) {
		snprintf(name, size, "?");
		return;
	}
	const char *base = strrchr(path, '\\') ? strrchr(path, '\\') + 1 : path;

	snprintf(name, size, "%s", base);
}

/*
 * End every process still in the job, naming each as removed, but the case's
 * own process (case_pid: on a timeout it is in the job still, and it is the
 * case, not a leftover). What does not end within the bound is named as
 * remaining. The job's list is asked again after each round, since a process
 * may have started another just before the end.
 */
static void end_leftovers(HANDLE job, DWORD case_pid)
{
	static struct {
		JOBOBJECT_BASIC_PROCESS_ID_LIST head;
		ULONG_PTR more[PROCESSES_MAX];
	} list;
	DWORD named[PROCESSES_MAX * END_ROUNDS];
	int nnamed = 0;

	for (int round = 0;; round++) {
		HANDLE waits[PROCESSES_MAX];
		DWORD nwaits = 0;

		memset(&list, 0, sizeof(list));
		list.head.NumberOfAssignedProcesses = PROCESSES_MAX;
		if (!QueryInformationJobObject(job, JobObjectBasicProcessIdList, &list, sizeof(list), NULL) &&
		    GetLastError() != ERROR_MORE_DATA) {
			answer_add("remains", "the case's processes unknown (job list: error %lu)", GetLastError());
			TerminateJobObject(job, 1);
			return;
		}
		if (list.head.NumberOfProcessIdsInList == 0)
			return;
		if (round == END_ROUNDS) {
			answer_add("remains", "processes of the case (still there after %d rounds of ending them)",
				   END_ROUNDS);
			return;
		}
		for (DWORD i = 0; i < list.head.NumberOfProcessIdsInList && i < PROCESSES_MAX; i++) {
			DWORD pid = (DWORD)list.head.ProcessIdList[i];
			HANDLE process = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
			int seen = 0;

			for (int k = 0; k < nnamed; k++)
				seen |= named[k] == pid;
			if (process && !seen && pid != case_pid) {
				char name[MAX_PATH];

				image_name(process, name, sizeof(name));
				answer_add("removed", "process %lu (%s)", pid, name);
				named[nnamed++] = pid;
			}
			if (process)
				waits[nwaits++] = process;
		}
		TerminateJobObject(job, 1);
		/* one by one: WaitForMultipleObjects takes at most 64 handles */
		for (DWORD i = 0; i < nwaits; i++) {
			if (WaitForSingleObject(waits[i], END_WAIT_MS) != WAIT_OBJECT_0)
				answer_add("remains", "process %lu (not ended %d ms after it was terminated)",
					   GetProcessId(waits[i]), END_WAIT_MS);
			CloseHandle(waits[i]);
		}
	}
}

void run_case_process(char **argv, const char *output, long timeout_ms, DWORD *pid)
{
	static char line[32768];      /* CreateProcess's bound on a command line */
	STARTUPINFOA start;
	PROCESS_INFORMATION process;
	HANDLE job, out, in;

	*pid = 0;
	QueryPerformanceCounter(&started_at);
	if (command_line(argv, line, sizeof(line)) != 0) {
		answer_add("error", "the case's command line does not fit in %zu bytes, or its program's name holds a quote",
			   sizeof(line));
		return;
	}
	job = make_job();
	if (!job) {
		answer_add("error", "cannot make a job object: error %lu", GetLastError());
		return;
	}
	out = inheritable(output, GENERIC_WRITE, CREATE_ALWAYS);
	in = inheritable("NUL", GENERIC_READ, OPEN_EXISTING);
	if (out == INVALID_HANDLE_VALUE || in == INVALID_HANDLE_VALUE) {
		answer_add("error", "cannot open %s: error %lu", out == INVALID_HANDLE_VALUE ? output : "NUL",
			   GetLastError());
		if (out != INVALID_HANDLE_VALUE)
			CloseHandle(out);
		CloseHandle(job);
		return;
	}
	memset(&start, 0, sizeof(start));
	start.cb = sizeof(start);
	start.dwFlags = STARTF_USESTDHANDLES;
	start.hStdInput = in;
	start.hStdOutput = out;
	start.hStdError = out;
	/* suspended: in its job before it can start anything */
	if (!CreateProcessA(argv[0], line, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &start,
			    &process)) {
		cannot_run(out, argv[0], GetLastError());
		answer_add("ms", "%ld", ms_since_start());
	} else if (!AssignProcessToJobObject(job, process.hProcess)) {
		DWORD error = GetLastError();

		TerminateProcess(process.hProcess, 1);
		WaitForSingleObject(process.hProcess, END_WAIT_MS);
		answer_add("error", "cannot put the case in a job object: error %lu", error);
		answer_add("ms", "%ld", ms_since_start());
		CloseHandle(process.hThread);
		CloseHandle(process.hProcess);
	} else {
		*pid = process.dwProcessId;
		ResumeThread(process.hThread);
		CloseHandle(process.hThread);
		CloseHandle(out);     /* the case's now: it must not stay open here after the case ends */
		CloseHandle(in);
		out = in = INVALID_HANDLE_VALUE;
		DWORD waited = WaitForSingleObject(process.hProcess, timeout_ms > 0 ? (DWORD)timeout_ms : 0);
		DWORD code;

		if (waited == WAIT_OBJECT_0 && GetExitCodeProcess(process.hProcess, &code)) {
			answer_add("exit", "%lu", code);
		} else {      /* ended below with the rest of its job, which is named first */
			answer_add("timeout", "%ld", timeout_ms);
		}
		answer_add("ms", "%ld", ms_since_start());
		end_leftovers(job, process.dwProcessId);
		CloseHandle(process.hProcess);
	}
	if (out != INVALID_HANDLE_VALUE)
		CloseHandle(out);
	if (in != INVALID_HANDLE_VALUE)
		CloseHandle(in);
	CloseHandle(job);
}
