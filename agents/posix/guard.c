/*
 * Catching faults inside the agent, so that "touching this address faults"
 * is an answer rather than a dead agent. Outside a guarded call the default
 * action is restored and the signal raised again, so an unexpected fault
 * still kills the agent with its real signal, and the controller reports it.
 */
#define _GNU_SOURCE
#include "agent.h"

#include <setjmp.h>
#include <signal.h>
#include <string.h>

static sigjmp_buf guard_env;
static volatile sig_atomic_t guard_armed;
/* what the handler saw, written before it jumps back to guard_run() */
static struct fault caught;

static void on_fault(int signo, siginfo_t *info, void *context)
{
	(void)context;
	if (!guard_armed) {
		signal(signo, SIG_DFL);
		raise(signo);
		return;
	}
	guard_armed = 0;
	caught.cause = (uint32_t)signo;
	caught.detail = info->si_code;
	caught.addr = (uintptr_t)info->si_addr;
	siglongjmp(guard_env, 1);
}

void guard_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

int guard_run(void (*fn)(void *), void *arg, struct fault *fault)
{
	if (sigsetjmp(guard_env, 1)) {
		*fault = caught;
		return -1;
	}
	guard_armed = 1;
	fn(arg);
	guard_armed = 0;
	return 0;
}

const char *fault_kind(const struct fault *fault)
{
	return fault->cause == SIGBUS ? "bus" : "segv";
}

const char *fault_code_name(const struct fault *fault)
{
	if (fault->cause == SIGSEGV) {
		switch (fault->detail) {
		case SEGV_MAPERR:
			return "SEGV_MAPERR";
		case SEGV_ACCERR:
			return "SEGV_ACCERR";
		}
	} else if (fault->cause == SIGBUS) {
		switch (fault->detail) {
		case BUS_ADRALN:
			return "BUS_ADRALN";
		case BUS_ADRERR:
			return "BUS_ADRERR";
		case BUS_OBJERR:
			return "BUS_OBJERR";
		}
	}
	return "other";
}

void answer_fault(const struct fault *fault)
{
	answer_err("fault", fault->cause == SIGBUS ? "SIGBUS" : "SIGSEGV",
		   "si_code=%s at=0x%lx", fault_code_name(fault),
		   (unsigned long)fault->addr);
}

void answer_probe_fault(const struct fault *fault)
{
	answer_ok("result=%s si_code=%s", fault_kind(fault), fault_code_name(fault));
}

void answer_chain_fault(const struct fault *fault, uint64_t visited)
{
	answer_err("fault", fault->cause == SIGBUS ? "SIGBUS" : "SIGSEGV",
		   "si_code=%s at=0x%lx visited=%llu", fault_code_name(fault),
		   (unsigned long)fault->addr, (unsigned long long)visited);
}
