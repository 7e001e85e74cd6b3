/*
 * What the executor tells of its machine: records/machine (the keys
 * case_host.c writes, which the judge reads: os, kernel, kernel_version,
 * arch, libc, started and finished, and wine under Wine), the token's
 * elevation for the ready line (the runner's conditions on Windows), and
 * the scratch directory's filesystem for the answer to env.
 */
#include "executor.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

typedef LONG (WINAPI *rtl_get_version_fn)(RTL_OSVERSIONINFOW *);
typedef const char *(CDECL *wine_get_version_fn)(void);

/* The version Windows runs: RtlGetVersion, as GetVersionEx gives the version
 * the program's manifest declares it knows of (6.2 for one with none). */
static int windows_version(RTL_OSVERSIONINFOW *version)
{
	HMODULE ntdll = GetModuleHandleA("ntdll.dll");
	rtl_get_version_fn get = ntdll ? (rtl_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "RtlGetVersion")
				       : NULL;

	memset(version, 0, sizeof(*version));
	version->dwOSVersionInfoSize = sizeof(*version);
	return get && get(version) == 0;
}

/* Wine's version when this runs under Wine (its ntdll exports wine_get_version), else NULL. */
static const char *wine_version(void)
{
	HMODULE ntdll = GetModuleHandleA("ntdll.dll");
	wine_get_version_fn get = ntdll ? (wine_get_version_fn)(void (*)(void))GetProcAddress(ntdll, "wine_get_version")
					: NULL;

	return get ? get() : NULL;
}

/* The update build revision (the number after the build, as winver shows it), or -1. */
static long update_revision(void)
{
	DWORD ubr = 0, size = sizeof(ubr);

	if (RegGetValueA(HKEY_LOCAL_MACHINE, "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion", "UBR",
			 RRF_RT_REG_DWORD, NULL, &ubr, &size) != ERROR_SUCCESS)
		return -1;
	return (long)ubr;
}

static const char *architecture(void)
{
	SYSTEM_INFO info;

	GetNativeSystemInfo(&info);
	switch (info.wProcessorArchitecture) {
	case PROCESSOR_ARCHITECTURE_AMD64:
		return "x86_64";
	case PROCESSOR_ARCHITECTURE_INTEL:
		return "i686";
	case PROCESSOR_ARCHITECTURE_ARM:
		return "arm";
	case 12:      /* PROCESSOR_ARCHITECTURE_ARM64, which older headers lack */
		return "aarch64";
	default:
		return "unknown";
	}
}

void write_machine(const char *path, const char *when)
{
	FILE *f = fopen(path, "abN");     /* N: not inherited by the cases */
	RTL_OSVERSIONINFOW v;
	const char *wine = wine_version();

	if (!f)
		return;
	if (windows_version(&v)) {
		long ubr = update_revision();

		fprintf(f, "os=Windows %lu.%lu.%lu\n", v.dwMajorVersion, v.dwMinorVersion, v.dwBuildNumber);
		fprintf(f, "kernel=Windows NT %lu.%lu.%lu\n", v.dwMajorVersion, v.dwMinorVersion, v.dwBuildNumber);
		fprintf(f, "kernel_version=%lu.%lu.%lu", v.dwMajorVersion, v.dwMinorVersion, v.dwBuildNumber);
		if (ubr >= 0)
			fprintf(f, ".%ld", ubr);
		if (v.szCSDVersion[0])
			fprintf(f, " %ls", v.szCSDVersion);
		fputc('\n', f);
	}
	fprintf(f, "arch=%s\n", architecture());
#if defined(_UCRT) || (defined(__MSVCRT_VERSION__) && __MSVCRT_VERSION__ >= 0x1400)
	fprintf(f, "libc=ucrt\n");
#else
	fprintf(f, "libc=msvcrt\n");
#endif
	if (wine)
		fprintf(f, "wine=%s\n", wine);
	fprintf(f, "%s=%lld\n", when, (long long)time(NULL));
	fclose(f);
}

int token_elevated(void)
{
	TOKEN_ELEVATION elevation = { 0 };
	DWORD size = sizeof(elevation);
	HANDLE token;

	if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token))
		return 0;
	if (!GetTokenInformation(token, TokenElevation, &elevation, sizeof(elevation), &size))
		elevation.TokenIsElevated = 0;
	CloseHandle(token);
	return elevation.TokenIsElevated != 0;
}

const char *filesystem_of(const char *dir, char *name, size_t size)
{
	char full[MAX_PATH * 2], root[MAX_PATH * 2], fs[MAX_PATH + 1];

	if (!GetFullPathNameA(dir, sizeof(full), full, NULL) || !GetVolumePathNameA(full, root, sizeof(root)) ||
	    !GetVolumeInformationA(root, NULL, 0, NULL, NULL, NULL, fs, sizeof(fs)))
		return "unknown";
	snprintf(name, size, "%s", fs);
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return name;
}
