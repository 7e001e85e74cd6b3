/*
 * Catching faults inside the agent, so that "touching this address faults"
 * is an answer rather than a dead agent.
 *
 * A vectored exception handler sees the fault first. While a guarded call
 * runs, it resumes the thread at the point guard_run() captured with
 * RtlCaptureContext, the way siglongjmp does in the POSIX agent (longjmp out
 * of an exception handler is not reliable with mingw on x86_64: it crashed
 * under Wine). Outside a guarded call it lets the exception go on, and the
 * unhandled-exception filter ends the agent with the exception code as its
 * exit status, instead of starting a debugger (winedbg under Wine), so the
 * controller sees a dead agent at once.
 *
 * What RtlCaptureContext records differs between the two architectures. On
 * x86_64 it is its own call site, in its caller. On x86 (seen with Wine
 * 8.0's 32-bit ntdll) it follows the EBP frame chain and records the state
 * its caller's caller will have once its caller returns; called from
 * guard_run() itself, resuming that context would return from guard_run()
 * with a stale frame and kill the agent. So on x86 it is called from
 * capture_here(), which keeps a frame pointer: the context resumed is
 * capture_here() returning into guard_run() a second time.
 */
#include "agent.h"
#include "faults.h"

#include <stdio.h>

/* restored as a whole by the handler: the stack and registers of guard_run() at the capture */
static CONTEXT resume;
static volatile LONG armed, faulted;
static volatile DWORD fault_code;
static volatile int fault_write;
static volatile uintptr_t fault_addr;

static LONG CALLBACK on_exception(EXCEPTION_POINTERS *info)
{
	const EXCEPTION_RECORD *rec = info->ExceptionRecord;

	if (!armed || (rec->ExceptionCode != EXCEPTION_ACCESS_VIOLATION &&
		       rec->ExceptionCode != EXCEPTION_IN_PAGE_ERROR))
		return EXCEPTION_CONTINUE_SEARCH;
	/* fault: an address with nothing there gets a fresh page, and the access goes on */
	if (fault_is("faults-get-fresh-pages") && rec->NumberParameters >= 2 &&
	    VirtualAlloc((void *)rec->ExceptionInformation[1], 1, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE))
		return EXCEPTION_CONTINUE_EXECUTION;
	armed = 0;
	faulted = 1;
	fault_code = rec->ExceptionCode;
	fault_write = rec->NumberParameters >= 2 ? (int)rec->ExceptionInformation[0] : 0;
	fault_addr = rec->NumberParameters >= 2 ? (uintptr_t)rec->ExceptionInformation[1] : 0;
	*info->ContextRecord = resume;
	return EXCEPTION_CONTINUE_EXECUTION;
}

static LONG WINAPI on_unhandled(EXCEPTION_POINTERS *info)
{
	TerminateProcess(GetCurrentProcess(), info->ExceptionRecord->ExceptionCode);
	return EXCEPTION_EXECUTE_HANDLER;
}

void guard_install(void)
{
	SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX);
	SetUnhandledExceptionFilter(on_unhandled);
	AddVectoredExceptionHandler(1, on_exception);
}

#if defined(__i386__)
/* a frame of its own (so RtlCaptureContext can follow EBP to guard_run()),
 * and a real call, not a jump to RtlCaptureContext: the empty asm after the
 * call keeps it out of tail position */
__attribute__((noinline, optimize("no-omit-frame-pointer"))) static void capture_here(CONTEXT *context)
{
	RtlCaptureContext(context);
	__asm__ volatile("" ::: "memory");
}
#else
#define capture_here RtlCaptureContext
#endif

/* noinline: the captured context must belong to this very frame, which outlives fn() */
__attribute__((noinline)) int guard_run(void (*fn)(void *), void *arg, struct fault *fault)
{
	faulted = 0;
	capture_here(&resume);
	/* a fault in fn() resumes here a second time, with faulted set */
	if (faulted) {
		faulted = 0;
		fault->cause = fault_code;
		fault->detail = fault_write;
		fault->addr = fault_addr;
		return -1;
	}
	armed = 1;
	fn(arg);
	armed = 0;
	return 0;
}

static const char *access_name(int write)
{
	return write == 1 ? "write" : write == 8 ? "execute" : "read";
}

const char *fault_kind(const struct fault *fault)
{
	return fault->cause == EXCEPTION_IN_PAGE_ERROR ? "in_page_error" : "access_violation";
}

void answer_probe_fault(const struct fault *fault)
{
	answer_ok("result=%s exception=0x%08lx", fault_kind(fault), (unsigned long)fault->cause);
}

void answer_chain_fault(const struct fault *fault, uint64_t visited)
{
	char code[16];

	snprintf(code, sizeof(code), "0x%08lx", (unsigned long)fault->cause);
	answer_err("fault", code, "kind=%s at=0x%llx visited=%llu", fault_kind(fault),
		   (unsigned long long)fault->addr, (unsigned long long)visited);
}

void answer_fault(const struct fault *fault)
{
	char code[16];

	snprintf(code, sizeof(code), "0x%08lx", (unsigned long)fault->cause);
	answer_err("fault", code, "name=%s access=%s at=0x%llx",
		   fault->cause == EXCEPTION_IN_PAGE_ERROR ? "EXCEPTION_IN_PAGE_ERROR" :
							   "EXCEPTION_ACCESS_VIOLATION",
		   access_name(fault->detail), (unsigned long long)fault->addr);
}
