/*
 * The files a case left in the run's scratch directory: those named for the
 * run and the case's process (mapconf-<run id>-<case pid>-, as the
 * controller names its objects), removed after the case's processes have
 * ended, so that no handle of theirs keeps one open. The files made before
 * the run (mapconf-<run id>-before-...) carry no pid and stay for the cases
 * that follow.
 */
#include "executor.h"

#include <string.h>

void remove_scratch_files(const char *dir, const char *prefix)
{
	char pattern[MAX_PATH * 2], path[MAX_PATH * 2];
	WIN32_FIND_DATAA found;
	HANDLE search;

	snprintf(pattern, sizeof(pattern), "%s\\%s*", dir, prefix);
	search = FindFirstFileA(pattern, &found);
	if (search == INVALID_HANDLE_VALUE)
		return;       /* none (or no directory): nothing left */
	do {
		/* a pattern matches short (8.3) names too: the long name must start with the prefix */
		if (strncmp(found.cFileName, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "%s\\%s", dir, found.cFileName);
		if (found.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)
			answer_add("remains", "file %s (a directory)", found.cFileName);
		else if (DeleteFileA(path))
			answer_add("removed", "file %s", found.cFileName);
		else
			answer_add("remains", "file %s (error %lu)", found.cFileName, GetLastError());
	} while (FindNextFileA(search, &found));
	FindClose(search);
}
