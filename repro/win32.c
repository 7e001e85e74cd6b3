/*
 * The reproducer's Win32 part: agents are this program run again, which
 * the agent client (controller/agent_client_win32.c) starts from
 * MAPCONF_AGENT_ARGV; its scratch directory is in %TEMP%; what the run
 * made is removed at the end. Sections need no removing: they go with the
 * last handle, and every agent is ended first.
 */

/* The arguments that make this program an agent: --agent, or those the agent's own "spawn" gives a child. */
static int platform_agent(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--agent") == 0) {
		argv[1] = argv[0];
		return agent_main(argc - 1, argv + 1);
	}
	if (argc > 1 && strncmp(argv[1], "--", 2) == 0)
		return agent_main(argc, argv);
	return -1;
}

/* visit(path, entry) for each entry of directory whose name matches glob, but "." and "..". */
static void each_entry(const char *directory, const char *glob,
		       void (*visit)(const char *path, const WIN32_FIND_DATAA *entry))
{
	WIN32_FIND_DATAA found;
	char pattern[MAX_PATH + 32], path[2 * MAX_PATH];
	HANDLE search;

	snprintf(pattern, sizeof(pattern), "%s\\%s", directory, glob);
	search = FindFirstFileA(pattern, &found);
	while (search != INVALID_HANDLE_VALUE) {
		if (strcmp(found.cFileName, ".") != 0 && strcmp(found.cFileName, "..") != 0) {
			snprintf(path, sizeof(path), "%s\\%s", directory, found.cFileName);
			visit(path, &found);
		}
		if (!FindNextFileA(search, &found)) {
			FindClose(search);
			break;
		}
	}
}

static void remove_entry(const char *path, const WIN32_FIND_DATAA *entry);

/* Every file in directory, and its subdirectory "other" with them, then the directory itself. */
static void remove_directory(const char *directory)
{
	each_entry(directory, "*", remove_entry);
	RemoveDirectoryA(directory);
}

static void remove_entry(const char *path, const WIN32_FIND_DATAA *entry)
{
	if (entry->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
		remove_directory(path);
	else
		DeleteFileA(path);
}

/* A scratch directory of a reproducer that has ended (or of this pid, whose own has not been made yet). */
static void remove_if_ended(const char *path, const WIN32_FIND_DATAA *entry)
{
	DWORD pid = (DWORD)strtoul(entry->cFileName + strlen("mapconf-repro-"), NULL, 10);
	HANDLE process = pid && pid != GetCurrentProcessId() ? OpenProcess(SYNCHRONIZE, FALSE, pid) : NULL;

	if (process)
		CloseHandle(process);
	else if (entry->dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
		remove_directory(path);
}

static void platform_set_up(const char *self)
{
	char temp[MAX_PATH], exe[MAX_PATH], lib[MAX_PATH + 32], pid[32], other[MAX_PATH + 300];
	char agent[MAX_PATH + 16];
	DWORD n = GetTempPathA(sizeof(temp), temp);

	(void)self;
	snprintf(pid, sizeof(pid), "%lu", (unsigned long)GetCurrentProcessId());
	/* the agents are this program, which the agent client starts from MAPCONF_AGENT_ARGV */
	if (!GetModuleFileNameA(NULL, exe, sizeof(exe)))
		finish(2, "cannot name this program (GetModuleFileName error %lu)", (unsigned long)GetLastError());
	snprintf(agent, sizeof(agent), "%s\x1f--agent", exe);
	SetEnvironmentVariableA("MAPCONF_AGENT_ARGV", agent);
	if (strrchr(exe, '\\')) {
		snprintf(lib, sizeof(lib), "%.*s\\mapconf-testlib.dll", (int)(strrchr(exe, '\\') - exe), exe);
		SetEnvironmentVariableA("MAPCONF_TESTLIB", lib);
	}
	snprintf(prefix, sizeof(prefix), "mapconf-repro%s-", pid);
	if (n == 0 || n >= sizeof(temp))
		finish(2, "no temporary directory (GetTempPath error %lu)", (unsigned long)GetLastError());
	temp[strlen(temp) - 1] = '\0';   /* its trailing backslash */
	each_entry(temp, "mapconf-repro-*", remove_if_ended);
	snprintf(scratch, sizeof(scratch), "%s\\mapconf-repro-%s", temp, pid);
	snprintf(other, sizeof(other), "%s\\other", scratch);
	if (!CreateDirectoryA(scratch, NULL) || !CreateDirectoryA(other, NULL))
		finish(2, "cannot make the scratch directory %s (error %lu)", scratch, (unsigned long)GetLastError());
}

static void platform_before_agents(void)
{
}

static void platform_make_file(const char *path, uint64_t bytes)
{
	HANDLE f = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
	LARGE_INTEGER size = { .QuadPart = (LONGLONG)bytes };
	bool made = f != INVALID_HANDLE_VALUE && SetFilePointerEx(f, size, NULL, FILE_BEGIN) && SetEndOfFile(f);

	if (f != INVALID_HANDLE_VALUE)
		CloseHandle(f);
	if (!made)
		setup_failed("cannot make %s (error %lu)", path, (unsigned long)GetLastError());
}

static void platform_reserve_huge_pages(unsigned int n)
{
	setup_failed("%u huge pages cannot be reserved from Win32", n);
}

static void platform_figure(struct mc_reply *r, const char *kind, uint64_t least, uint64_t most)
{
	(void)r, (void)least, (void)most;
	setup_failed("the %s memory figure is not measured from Win32", kind);
}

/*
 * A child an agent spawned ends when its connection closes, a moment after
 * mc_agent_kill_all(), and a file it still holds is deleted only when it
 * lets go: the directory goes once they have, within a bound.
 */
#define CLEANUP_BOUND_MS 5000

static void platform_cleanup(void)
{
	ULONGLONG until = GetTickCount64() + CLEANUP_BOUND_MS;

	mc_agent_kill_all();
	while (scratch[0] && GetFileAttributesA(scratch) != INVALID_FILE_ATTRIBUTES && GetTickCount64() < until) {
		remove_directory(scratch);
		if (GetFileAttributesA(scratch) != INVALID_FILE_ATTRIBUTES)
			Sleep(10);   /* a bounded wait for the last handles to close */
	}
}
