/*
 * Mapping objects: create, open, close, stat, and reading and writing the
 * file behind one (pread, pwrite).
 *
 *   win32-section  a section backed by the paging file:
 *                  CreateFileMapping(INVALID_HANDLE_VALUE, .., name)
 *   win32-file     a section backed by a file: CreateFile, then
 *                  CreateFileMapping(file, .., name). The controller gives
 *                  the file's path; the section's name is the path's last
 *                  component, and other agents open the section by it.
 *
 * A Win32 name lives as long as a handle to its section does: there is
 * nothing to unlink, and "unlink" is unsupported.
 *
 * A section cannot grant more than the file handle it is made over: a
 * create may open its file for reading only (file_access=r) and ask for a
 * read-only section (protect=r), to see that the rights stay within them.
 */
#include "agent.h"
#include "faults.h"

#include <stdio.h>
#include <string.h>
#include <wctype.h>

enum backend { BACKEND_SECTION, BACKEND_FILE, BACKEND_UNKNOWN };

static enum backend parse_backend(const struct mc_line *req)
{
	const char *b = mc_line_get(req, "backend");

	if (b && strcmp(b, "win32-section") == 0)
		return BACKEND_SECTION;
	if (b && strcmp(b, "win32-file") == 0)
		return BACKEND_FILE;
	answer_err("invalid_request", "none", "detail=not_a_win32_backend");
	return BACKEND_UNKNOWN;
}

/* The section's name: the name itself, or for a file the last component of its path. */
static const wchar_t *section_name(enum backend backend, const char *name)
{
	const char *slash = strrchr(name, '/'), *backslash = strrchr(name, '\\');
	const char *last = slash > backslash ? slash : backslash;
	wchar_t *w = (wchar_t *)wide(backend == BACKEND_FILE && last ? last + 1 : name);

	if (fault_is("names-fold-case") || fault_is("names-sanitized")) {
		for (wchar_t *c = w; *c; c++)
			*c = fault_is("names-fold-case") ? towlower(*c) : *c == L'\\' ? L'_' : *c;
	}
	return w;
}

/*
 * Faults dirty-new-objects and tail-garbage: a new section's first byte, or
 * the bytes past its end in its last page, are not zero.
 */
static void spoil_new_section(HANDLE section, uint64_t size)
{
	bool first = fault_is("dirty-new-objects"), tail = fault_is("tail-garbage") && size % 4096;
	unsigned char *view;

	if (!(first || tail) || !(view = MapViewOfFile(section, FILE_MAP_WRITE, 0, 0, 0)))
		return;
	if (first)
		view[0] = 0xa5;
	if (tail)
		memset(view + size, 0xa5, 4096 - size % 4096);
	UnmapViewOfFile(view);
}

static void answer_handle(HANDLE section, HANDLE file, bool existed)
{
	int h = handle_add(section, file);

	if (h < 0) {
		CloseHandle(section);
		if (file != INVALID_HANDLE_VALUE)
			CloseHandle(file);
		answer_err("no_memory", "none", "detail=handle_table_full");
		return;
	}
	answer_ok("handle=h%d existed=%d", h, existed);
}

static HANDLE open_file(const char *name, DWORD access, DWORD disposition)
{
	return CreateFileW(native_path(name), access,
			   FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, disposition,
			   FILE_ATTRIBUTE_NORMAL, NULL);
}

/*
 * The section attributes a create asks for, in *attributes: none (SEC_COMMIT
 * is what CreateFileMapping assumes) unless reserve=1 (SEC_RESERVE: a view's
 * pages are reserved until VirtualAlloc commits them) or large=1
 * (SEC_COMMIT | SEC_LARGE_PAGES). Both belong to a paging-file section only:
 * for a file, Microsoft documents SEC_RESERVE as without effect and
 * SEC_LARGE_PAGES as unsupported. -1 after answering invalid_request when a
 * request asks for them on a file, or for both.
 */
static int section_attributes(const struct mc_line *req, enum backend backend, DWORD *attributes)
{
	uint64_t reserve = 0, large = 0;

	mc_line_get_u64(req, "reserve", &reserve);
	mc_line_get_u64(req, "large", &large);
	if ((reserve || large) && (backend != BACKEND_SECTION || (reserve && large))) {
		answer_err("invalid_request", "none", "detail=reserve_or_large_only_for_a_paging_file_section");
		return -1;
	}
	*attributes = 0;
	/* fault: SEC_RESERVE taken for SEC_COMMIT, as a layer that knows only committed sections would */
	if (reserve && !fault_is("reserve-commits"))
		*attributes = SEC_RESERVE;
	/*
	 * fault: a large-page section refused for another reason than the
	 * privilege, as a layer that does not know SEC_LARGE_PAGES would refuse
	 * an attribute it cannot read
	 */
	if (large && fault_is("large-pages-invalid")) {
		answer_win32(ERROR_INVALID_PARAMETER);
		return -1;
	}
	if (large)
		*attributes = SEC_COMMIT | SEC_LARGE_PAGES;
	return 0;
}

/*
 * The rights a create asks for: *protection, the section's page protection
 * (PAGE_READWRITE, or PAGE_READONLY for protect=r; their PAGE_EXECUTE_
 * forms for exec=1), and *read_only_file, a
 * file opened for reading only (file_access=r: GENERIC_READ, an existing
 * file). A file access belongs to a win32-file only. -1 after answering
 * invalid_request for a bad value, or file_access on a paging-file section.
 */
static int requested_rights(const struct mc_line *req, enum backend backend, DWORD *protection,
			    bool *read_only_file)
{
	const char *protect = mc_line_get(req, "protect"), *file_access = mc_line_get(req, "file_access");
	uint64_t exec = 0;

	mc_line_get_u64(req, "exec", &exec);
	if ((protect && strcmp(protect, "r") != 0 && strcmp(protect, "rw") != 0) ||
	    (file_access && strcmp(file_access, "r") != 0 && strcmp(file_access, "rw") != 0) ||
	    (file_access && backend != BACKEND_FILE)) {
		answer_err("invalid_request", "none", "missing_or_bad=protect_or_file_access");
		return -1;
	}
	if (protect && strcmp(protect, "r") == 0)
		*protection = exec ? PAGE_EXECUTE_READ : PAGE_READONLY;
	else
		*protection = exec ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
	*read_only_file = file_access && strcmp(file_access, "r") == 0;
	/* fault: the protection asked for is not passed on, as a layer that makes every section writable would */
	if (fault_is("protection-ignored"))
		*protection = exec ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE;
	return 0;
}

/*
 * The file a win32-file section is made over: new (exclusive) or opened, or
 * an existing one for reading only; opened for executing too when the
 * section is executable (a section grants no more than its file handle).
 */
static HANDLE file_for_section(const char *name, bool read_only, bool excl, DWORD protection)
{
	DWORD access = read_only ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;

	if (protection == PAGE_EXECUTE_READ || protection == PAGE_EXECUTE_READWRITE)
		access |= GENERIC_EXECUTE;

	/*
	 * faults: a file asked for reading only is opened for writing too, so
	 * that any section over it can be writable (file-opened-rw), or so that
	 * the read-write section made in place of a read-only one can be made
	 * (protection-ignored)
	 */
	if (read_only && (fault_is("file-opened-rw") || fault_is("protection-ignored")))
		access |= GENERIC_WRITE;
	return open_file(name, access, read_only ? OPEN_EXISTING : excl ? CREATE_NEW : OPEN_ALWAYS);
}

/*
 * create backend= name= size= [excl=1] [reserve=1 | large=1] [protect=rw|r] [file_access=rw|r] [exec=1]
 * CreateFileMapping of an existing name succeeds with ERROR_ALREADY_EXISTS
 * and a handle to the existing section: answered existed=1, or, when the
 * request is exclusive, refused with already_exists (the handle is closed).
 */
static void verb_create(const struct mc_line *req)
{
	enum backend backend = parse_backend(req);
	const char *name = need_str(req, "name");
	HANDLE file = INVALID_HANDLE_VALUE, section;
	uint64_t size, excl = 1;
	DWORD error, attributes, protection;
	bool read_only_file;

	if (backend == BACKEND_UNKNOWN || !name || need_u64(req, "size", &size) ||
	    section_attributes(req, backend, &attributes) ||
	    requested_rights(req, backend, &protection, &read_only_file))
		return;
	mc_line_get_u64(req, "excl", &excl);
	if (fault_is("zero-size-ok") && size == 0)
		size = 4096;
	if (backend == BACKEND_FILE) {
		file = file_for_section(name, read_only_file, excl, protection);
		if (file == INVALID_HANDLE_VALUE) {
			answer_win32(GetLastError());
			return;
		}
	}
	SetLastError(0);   /* poisoned: only this call may say the name existed */
	section = CreateFileMappingW(file, NULL, protection | attributes, (DWORD)(size >> 32), (DWORD)size,
				     section_name(backend, name));
	error = GetLastError();
	/* fault: a name another kind of object holds is taken for the section under another name */
	if (!section && error == ERROR_INVALID_HANDLE && fault_is("namespaces-apart")) {
		char elsewhere[600];

		snprintf(elsewhere, sizeof(elsewhere), "%s-section", name);
		SetLastError(0);
		section = CreateFileMappingW(file, NULL, protection | attributes, (DWORD)(size >> 32),
					     (DWORD)size, wide(elsewhere));
		error = GetLastError();
	}
	if (fault_is("excl-ignored"))
		excl = 0;
	if (!section || (error == ERROR_ALREADY_EXISTS && excl)) {
		if (section)
			CloseHandle(section);
		if (file != INVALID_HANDLE_VALUE)
			CloseHandle(file);
		if (section)
			answer_err("already_exists", "183", "name=ERROR_ALREADY_EXISTS detail=handle_returned_then_closed");
		else
			answer_win32(error);
		return;
	}
	/* a reserved page cannot be spoiled, nor a read-only one */
	if (error != ERROR_ALREADY_EXISTS && !(attributes & SEC_RESERVE) &&
	    (protection == PAGE_READWRITE || protection == PAGE_EXECUTE_READWRITE))
		spoil_new_section(section, size);
	if (fault_is("handles-inheritable"))
		SetHandleInformation(section, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT);
	answer_handle(section, file, error == ERROR_ALREADY_EXISTS && !fault_is("existed-unreported"));
}

/* open backend= name= [access=rw|r] : OpenFileMapping with FILE_MAP_ALL_ACCESS or FILE_MAP_READ */
static void verb_open(const struct mc_line *req)
{
	enum backend backend = parse_backend(req);
	const char *name = need_str(req, "name");
	const char *access = mc_line_get(req, "access");
	bool read_only = access && strcmp(access, "r") == 0;
	HANDLE section, file = INVALID_HANDLE_VALUE;

	if (backend == BACKEND_UNKNOWN || !name)
		return;
	section = OpenFileMappingW(read_only && !fault_is("open-ro-as-rw") ? FILE_MAP_READ : FILE_MAP_ALL_ACCESS,
				   FALSE, section_name(backend, name));
	if (!section && GetLastError() == ERROR_FILE_NOT_FOUND && fault_is("open-creates"))
		section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 4096,
					     section_name(backend, name));
	if (!section) {
		answer_win32(GetLastError());
		return;
	}
	/* fault: the opener gets a new section (unnamed, larger than any a case makes), not the named one */
	if (fault_is("open-replaces")) {
		CloseHandle(section);
		section = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, 16u << 20, NULL);
	}
	/* the file too, so that a synchronous flush of this agent's views can reach it */
	if (backend == BACKEND_FILE)
		file = open_file(name, read_only ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE, OPEN_EXISTING);
	answer_handle(section, file, false);
}

/* close handle= */
static void verb_close(const struct mc_line *req)
{
	const char *h = need_str(req, "handle");
	struct object *o;
	BOOL closed;

	if (!h || !(o = need_object(req)))
		return;
	if (fault_is("close-unmaps"))   /* views die with the handle, as a layer that ties them together would */
		views_unmap_of(o->section);
	closed = fault_is("close-noop") || CloseHandle(o->section);
	if (o->file != INVALID_HANDLE_VALUE)
		CloseHandle(o->file);
	handle_remove(h);
	if (!closed)
		answer_win32(GetLastError());
	else
		answer_ok(NULL);
}

/* unlink: a Win32 name goes with the last handle to its section; nothing removes it sooner */
static void verb_unlink(const struct mc_line *req)
{
	(void)req;
	answer_err("unsupported", "none", "detail=win32_names_go_with_their_last_handle");
}

/* 100 ns intervals from 1601 to 1970 */
#define EPOCH_DIFFERENCE 116444736000000000ULL

/*
 * stat handle= : cloexec=1 when the handle is not inherited by child
 * processes (the Win32 counterpart of close-on-exec), and the section
 * handle's value (raw=); for a file, also its size and modification time.
 */
static void verb_stat(const struct mc_line *req)
{
	struct object *o = need_object(req);
	DWORD flags;
	LARGE_INTEGER size;
	FILETIME written;

	if (!o)
		return;
	if (!GetHandleInformation(o->section, &flags)) {
		answer_win32(GetLastError());
		return;
	}
	if (o->file == INVALID_HANDLE_VALUE) {
		answer_ok("cloexec=%d raw=%llu", !(flags & HANDLE_FLAG_INHERIT),
			  (unsigned long long)(uintptr_t)o->section);
		return;
	}
	if (!GetFileSizeEx(o->file, &size) || !GetFileTime(o->file, NULL, NULL, &written)) {
		answer_win32(GetLastError());
		return;
	}
	uint64_t ticks = (uint64_t)written.dwHighDateTime << 32 | written.dwLowDateTime;
	if (fault_is("file-size-short"))
		size.QuadPart -= 4096;
	answer_ok("cloexec=%d size=%lld mtime_ns=%llu raw=%llu", !(flags & HANDLE_FLAG_INHERIT),
		  (long long)size.QuadPart, (unsigned long long)(ticks - EPOCH_DIFFERENCE) * 100ULL,
		  (unsigned long long)(uintptr_t)o->section);
}

/* A fresh handle to the object's file (answered if it cannot be had), and where a ReadFile or WriteFile at offset goes. */
static HANDLE open_file_at(const char *name, DWORD access, uint64_t offset, OVERLAPPED *at)
{
	HANDLE file = open_file(name, access, OPEN_EXISTING);

	memset(at, 0, sizeof(*at));
	at->Offset = (DWORD)offset;
	at->OffsetHigh = (DWORD)(offset >> 32);
	if (file == INVALID_HANDLE_VALUE)
		answer_win32(GetLastError());
	return file;
}

/*
 * pread backend=win32-file name= offset= length= : what ReadFile on a fresh
 * handle returns, independent of any view this agent may have.
 */
static void verb_pread(const struct mc_line *req)
{
	enum backend backend = parse_backend(req);
	const char *name = need_str(req, "name");
	static unsigned char data[MC_DATA_MAX];
	static char hex[2 * MC_DATA_MAX + 1];
	uint64_t offset, length;
	OVERLAPPED at;
	DWORD got = 0;
	HANDLE file;

	if (backend == BACKEND_UNKNOWN || !name || need_u64(req, "offset", &offset) ||
	    need_u64(req, "length", &length))
		return;
	if (backend != BACKEND_FILE) {
		answer_err("unsupported", "none", "detail=a_paging_file_section_has_no_file");
		return;
	}
	if (length > MC_DATA_MAX) {
		answer_err("invalid_request", "none", "detail=length_over_%d", MC_DATA_MAX);
		return;
	}
	if ((file = open_file_at(name, GENERIC_READ, offset, &at)) == INVALID_HANDLE_VALUE)
		return;
	if (!ReadFile(file, data, (DWORD)length, &got, &at) && GetLastError() != ERROR_HANDLE_EOF) {
		DWORD error = GetLastError();

		CloseHandle(file);
		answer_win32(error);
		return;
	}
	CloseHandle(file);
	mc_hex_encode(data, got, hex);
	answer_ok("length=%lu data=%s", (unsigned long)got, got ? hex : "-");
}

/*
 * pwrite backend=win32-file name= offset= data=HEX : WriteFile of the bytes
 * at that offset through a fresh handle (the counterpart of POSIX write(2)
 * on a fresh descriptor), independent of any view this agent may have.
 */
static void verb_pwrite(const struct mc_line *req)
{
	enum backend backend = parse_backend(req);
	const char *name = need_str(req, "name"), *hex = need_str(req, "data");
	static unsigned char data[MC_DATA_MAX];
	uint64_t offset;
	OVERLAPPED at;
	DWORD put = 0;
	HANDLE file;
	long length;

	if (backend == BACKEND_UNKNOWN || !name || !hex || need_u64(req, "offset", &offset))
		return;
	if (backend != BACKEND_FILE) {
		answer_err("unsupported", "none", "detail=a_paging_file_section_has_no_file");
		return;
	}
	length = mc_hex_decode(hex, data, MC_DATA_MAX);
	if (length <= 0) {
		answer_err("invalid_request", "none", "missing_or_bad=data");
		return;
	}
	if ((file = open_file_at(name, GENERIC_WRITE, offset, &at)) == INVALID_HANDLE_VALUE)
		return;
	if (!WriteFile(file, data, (DWORD)length, &put, &at)) {
		DWORD error = GetLastError();

		CloseHandle(file);
		answer_win32(error);
		return;
	}
	CloseHandle(file);
	answer_ok("length=%lu", (unsigned long)put);
}

/*
 * resize handle= size= : SetEndOfFile on the file behind a file-backed
 * section (the agent that created it holds the file). Microsoft documents
 * that a file with a section open cannot be shrunk (ERROR_USER_MAPPED_FILE).
 */
static void verb_resize(const struct mc_line *req)
{
	struct object *o;
	LARGE_INTEGER at;
	uint64_t size;

	if (need_u64(req, "size", &size) || !(o = need_object(req)))
		return;
	if (o->file == INVALID_HANDLE_VALUE) {
		answer_err("unsupported", "none", "detail=no_file_behind_this_handle");
		return;
	}
	at.QuadPart = (LONGLONG)size;
	if (!SetFilePointerEx(o->file, at, NULL, FILE_BEGIN) ||
	    (!SetEndOfFile(o->file) && !(fault_is("shrink-ignored") && GetLastError() == ERROR_USER_MAPPED_FILE)))
		answer_win32(GetLastError());
	else
		answer_ok(NULL);
}

const struct verb object_verbs[] = {
	{ "resize", verb_resize },
	{ "create", verb_create },
	{ "open", verb_open },
	{ "close", verb_close },
	{ "unlink", verb_unlink },
	{ "stat", verb_stat },
	{ "pread", verb_pread },
	{ "pwrite", verb_pwrite },
	{ NULL, NULL },
};
