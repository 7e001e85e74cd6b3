/*
 * Other processes. Inheritance, the Win32 way: there is no fork, but a
 * child process made with CreateProcess(bInheritHandles=TRUE) inherits
 * every handle marked inheritable, with the same value. "spawn" makes such
 * a child: another agent, told on its command line which handles it
 * inherited and under which hN names, and where to connect to the
 * controller. "watch" and "await_exit" follow another agent's end the way
 * Windows reports it: its process object becomes signaled once the process
 * is gone, its handles closed; "terminate" ends another agent the Win32
 * way, and answers once it is gone. "duplicate" hands a section to another
 * process the way Windows does (DuplicateHandle), with the access given;
 * "adopt" names a handle value the process holds without having opened it
 * (one it inherited, or one another process duplicated into it).
 */
#include "agent.h"
#include "faults.h"

#include <stdio.h>
#include <string.h>

#define SPAWN_HANDLES_MAX 8

/* Marks the listed handles (h1,h2,...) inheritable, and writes "h1=0x..,h2=0x.." to out. */
static int mark_inheritable(const char *list, HANDLE *marked, int *nmarked, char *out, size_t cap)
{
	char copy[256], handle_text[16];
	size_t used = 0;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *item = strtok(copy, ","); item; item = strtok(NULL, ",")) {
		struct object *o = handle_get(item);

		if (!o || *nmarked == SPAWN_HANDLES_MAX) {
			answer_err("bad_handle", "none", "detail=unknown_handle_%s", item);
			return -1;
		}
		if (!SetHandleInformation(o->section, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT)) {
			answer_win32(GetLastError());
			return -1;
		}
		marked[(*nmarked)++] = o->section;
		snprintf(handle_text, sizeof(handle_text), "%s", item);
		used += (size_t)snprintf(out + used, cap - used, "%s%s=0x%llx", used ? "," : "", handle_text,
					 (unsigned long long)(uintptr_t)o->section);
		if (used >= cap) {
			answer_err("invalid_request", "none", "detail=too_many_handles");
			return -1;
		}
	}
	return 0;
}

/* The NUL device as an inheritable handle: the child's standard handles. */
static HANDLE nul_device(DWORD access)
{
	SECURITY_ATTRIBUTES sa = { sizeof(sa), NULL, TRUE };

	return CreateFileW(L"NUL", access, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
}

/*
 * spawn connect=HOST:PORT [handles=h1,...] : a child agent that inherits
 * those handles (and no others: the rest are not inheritable). Answers
 * winpid= (a Windows process id, not one the controller can signal).
 */
static void verb_spawn(const struct mc_line *req)
{
	const char *connect_to = need_str(req, "connect"), *list = mc_line_get(req, "handles");
	HANDLE marked[SPAWN_HANDLES_MAX], in = INVALID_HANDLE_VALUE, out = INVALID_HANDLE_VALUE;
	int nmarked = 0;
	char inherit[512] = "", args[768];
	wchar_t self[MAX_PATH], command[2048];
	STARTUPINFOW si;
	PROCESS_INFORMATION pi;
	BOOL created = FALSE;
	DWORD error = 0;

	if (!connect_to)
		return;
	if (list && mark_inheritable(list, marked, &nmarked, inherit, sizeof(inherit)))
		goto unmark;
	if (!GetModuleFileNameW(NULL, self, MAX_PATH)) {
		answer_win32(GetLastError());
		goto unmark;
	}
	snprintf(args, sizeof(args), " --connect %s --parent %lu%s%s", connect_to,
		 (unsigned long)GetCurrentProcessId(), inherit[0] ? " --inherit " : "", inherit);
	if (wcslen(self) + strlen(args) + 3 >= sizeof(command) / sizeof(command[0])) {
		answer_err("invalid_request", "none", "detail=command_line_too_long");
		goto unmark;
	}
	wcscpy(command, L"\"");
	wcscat(command, self);
	wcscat(command, L"\"");
	wcscat(command, wide(args));
	in = nul_device(GENERIC_READ);
	out = nul_device(GENERIC_WRITE);
	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	si.dwFlags = STARTF_USESTDHANDLES;
	si.hStdInput = in;
	si.hStdOutput = si.hStdError = out;
	created = CreateProcessW(self, command, NULL, NULL, TRUE, 0, NULL, NULL, &si, &pi);
	error = GetLastError();
	if (created) {
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
		answer_ok("winpid=%lu", (unsigned long)pi.dwProcessId);
	} else {
		answer_win32(error);
	}
	CloseHandle(in);
	CloseHandle(out);
unmark:
	/* inheritable only for this child: a later one inherits only what it is given */
	for (int i = 0; i < nmarked; i++)
		SetHandleInformation(marked[i], HANDLE_FLAG_INHERIT, 0);
}

#define WATCHED_MAX 16
#define EXIT_WAIT_MS 5000

static struct {
	DWORD pid;
	HANDLE process;
} watched[WATCHED_MAX];

/* watch pid= : open a handle to that process (a Windows process id), to wait for its end */
static void verb_watch(const struct mc_line *req)
{
	uint64_t pid;
	HANDLE h;

	if (need_u64(req, "pid", &pid))
		return;
	h = OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
	if (!h) {
		answer_win32(GetLastError());
		return;
	}
	for (int i = 0; i < WATCHED_MAX; i++) {
		if (!watched[i].process) {
			watched[i].pid = (DWORD)pid;
			watched[i].process = h;
			answer_ok(NULL);
			return;
		}
	}
	CloseHandle(h);
	answer_err("no_memory", "none", "detail=too_many_watched_processes");
}

/* await_exit pid= : wait (at most 5 s) until a watched process has ended; answers its exit code */
static void verb_await_exit(const struct mc_line *req)
{
	uint64_t pid;
	DWORD code = 0;

	if (need_u64(req, "pid", &pid))
		return;
	for (int i = 0; i < WATCHED_MAX; i++) {
		if (watched[i].process && watched[i].pid == (DWORD)pid) {
			DWORD rc = WaitForSingleObject(watched[i].process, EXIT_WAIT_MS);

			if (rc == WAIT_TIMEOUT)
				answer_err("timeout", "WAIT_TIMEOUT", "detail=still_running_after_%dms", EXIT_WAIT_MS);
			else if (rc != WAIT_OBJECT_0 || !GetExitCodeProcess(watched[i].process, &code))
				answer_win32(GetLastError());
			else
				answer_ok("exit_code=%lu", (unsigned long)code);
			return;
		}
	}
	answer_err("invalid_request", "none", "detail=process_not_watched");
}

/* the exit status a terminated agent is given (a shell's for SIGTERM): none of the agent's own ends with it */
#define TERMINATED_STATUS 143

/*
 * terminate pid= : TerminateProcess of that process (a Windows process id),
 * then a wait (at most 5 s) until its process object is signaled: the
 * answer comes once Windows says the process has ended and its handles are
 * closed.
 */
static void verb_terminate(const struct mc_line *req)
{
	uint64_t pid;
	HANDLE h;
	DWORD rc, code = 0;

	if (need_u64(req, "pid", &pid))
		return;
	h = OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)pid);
	if (!h) {
		answer_win32(GetLastError());
		return;
	}
	if (!TerminateProcess(h, TERMINATED_STATUS)) {
		answer_win32(GetLastError());
		CloseHandle(h);
		return;
	}
	rc = WaitForSingleObject(h, EXIT_WAIT_MS);
	if (rc == WAIT_TIMEOUT)
		answer_err("timeout", "WAIT_TIMEOUT", "detail=still_running_after_%dms", EXIT_WAIT_MS);
	else if (rc != WAIT_OBJECT_0 || !GetExitCodeProcess(h, &code))
		answer_win32(GetLastError());
	else
		answer_ok("exit_code=%lu", (unsigned long)code);
	CloseHandle(h);
}

/*
 * duplicate handle= pid= access=r|rw : DuplicateHandle of the section into
 * the process with that (Windows) id, with FILE_MAP_READ (r) or
 * FILE_MAP_ALL_ACCESS (rw) access, not inheritable. Answers raw=, the
 * handle's value in that process, which it takes with "adopt"; the
 * duplicate is that process's, and goes with it.
 */
static void verb_duplicate(const struct mc_line *req)
{
	const char *access = need_str(req, "access");
	struct object *o;
	uint64_t pid;
	DWORD rights;
	HANDLE target, copy = NULL;

	if (!access || need_u64(req, "pid", &pid) || !(o = need_object(req)))
		return;
	if (strcmp(access, "r") != 0 && strcmp(access, "rw") != 0) {
		answer_err("invalid_request", "none", "missing_or_bad=access");
		return;
	}
	rights = strcmp(access, "r") == 0 ? FILE_MAP_READ : FILE_MAP_ALL_ACCESS;
	/* fault: the duplicate of a read-only handle gets every right, as a layer that ignores the access asked for would */
	if (fault_is("duplicate-ro-as-rw"))
		rights = FILE_MAP_ALL_ACCESS;
	target = OpenProcess(PROCESS_DUP_HANDLE, FALSE, (DWORD)pid);
	if (!target) {
		answer_win32(GetLastError());
		return;
	}
	if (!DuplicateHandle(GetCurrentProcess(), o->section, target, &copy, rights, FALSE, 0))
		answer_win32(GetLastError());
	else
		answer_ok("raw=%llu", (unsigned long long)(uintptr_t)copy);
	CloseHandle(target);
}

/*
 * adopt raw=VALUE : the handle value VALUE, which this process holds without
 * having opened it (one inherited, or duplicated into it), becomes a handle hN for a section;
 * err bad_handle if the value is no handle here.
 */
static void verb_adopt(const struct mc_line *req)
{
	uint64_t raw;
	DWORD flags;

	if (need_u64(req, "raw", &raw))
		return;
	if (!GetHandleInformation((HANDLE)(uintptr_t)raw, &flags))
		answer_win32(GetLastError());
	else
		answer_new_handle(handle_add((HANDLE)(uintptr_t)raw, INVALID_HANDLE_VALUE));
}

const struct verb spawn_verbs[] = {
	{ "spawn", verb_spawn },
	{ "duplicate", verb_duplicate },
	{ "adopt", verb_adopt },
	{ "watch", verb_watch },
	{ "await_exit", verb_await_exit },
	{ "terminate", verb_terminate },
	{ NULL, NULL },
};
