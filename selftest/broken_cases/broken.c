/*
 * Cases that break on purpose, one way each, for the runner's selftest
 * (with selftest/broken_cases/broken.toml): every way a case can go wrong must come
 * out as the right outcome, with its evidence, and the run must go on.
 */
#include "mapconf.h"
/* raw requests: these cases need some no case would make */
#include "requests.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

/* The mark runner/platforms/kernel.py puts on its guests' kernel command line. */
#define GUEST_MARK "mapconf.guest"

/* BRK-001: a case that passes (the control). */
static void passes(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_write_text(a, mc_create_map(a, obj), "control");
	mc_check_compare("always-holds", mc_number(1), "==", mc_number(1));
}

/* BRK-002: the agent is killed in the middle of the case. */
static void agent_killed_mid_case(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");
	uintptr_t va = mc_create_map(a, obj);

	mc_try(a, "crash signal=KILL");
	mc_check_reads("killed-agent-reads", a, va, "never read");
}

/* BRK-003: the agent answers with a line that is not an answer. */
static void agent_answers_garbage(void)
{
	struct mc_agent *a = mc_agent_start("A");

	/* "<not an answer>" in hex */
	mc_try(a, "echo data=3c6e6f7420616e20616e737765723e");
	mc_check_compare("garbage-not-taken", mc_number(0), "==", mc_number(1));
}

/* BRK-004: the agent never answers. */
static void agent_never_answers(void)
{
	struct mc_agent *a = mc_agent_start("A");

	mc_try(a, "hang");
	mc_check_compare("hang-not-returned", mc_number(0), "==", mc_number(1));
}

/* BRK-005: a case that checks nothing. */
static void checks_nothing(void)
{
	mc_agent_start("A");
}

/* BRK-006: a check that does not hold. */
static void check_fails(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_check_reads("new-object-holds-text", a, mc_create_map(a, obj), "not what a new object holds");
}

/* BRK-007: the controller itself crashes. */
static void controller_crashes(void)
{
	mc_agent_start("A");
	raise(SIGKILL);
}

/* BRK-008: the controller hangs, and must be stopped by the runner. */
static void controller_hangs(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_create_map(a, obj);
	for (;;)
		pause();
}

/* BRK-009: a verb no agent knows is a harness bug (ERROR), never a platform that lacks something. */
static void unknown_verb(void)
{
	struct mc_agent *a = mc_agent_start("A");

	mc_step(a, "no_such_verb");
	mc_check_compare("step-not-returned", mc_number(0), "==", mc_number(1));
}

/* BRK-010: a step the platform lacks (SysV has no private attach) is a SKIP. */
static void step_the_platform_lacks(void)
{
	struct mc_object *obj = mc_object_new(MC_PAGE);
	struct mc_agent *a = mc_agent_start("A");

	mc_map(a, mc_create(a, obj), MC_PAGE, .private_copy = 1);
	mc_check_compare("step-not-returned", mc_number(0), "==", mc_number(1));
}

/* Whether this runs in a guest of a kernel target: only there may a case crash the kernel. */
static int in_a_kernel_targets_guest(void)
{
	char line[4096] = "";
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	for (char *word = strtok(line, " \n"); word; word = strtok(NULL, " \n"))
		if (!strcmp(word, GUEST_MARK))
			return 1;
	return 0;
}

/*
 * BRK-011: the kernel crashes under the case (the sysrq trigger's "c"):
 * in a kernel target's guest only, never on the machine that runs mapconf,
 * where it is a SKIP.
 */
static void kernel_crashes(void)
{
	mc_agent_start("A");
	if (!in_a_kernel_targets_guest())
		MC_SKIP("kernel-crash", "the case crashes a kernel only in a --kernel guest (" GUEST_MARK
			" on its command line), and this is not one");
	int fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd < 0)
		MC_BROKEN("kernel-crash", "cannot open /proc/sysrq-trigger: %s", strerror(errno));
	if (write(fd, "c", 1) != 1)
		MC_BROKEN("kernel-crash", "the sysrq trigger refused \"c\": %s", strerror(errno));
	MC_BROKEN("kernel-crash", "the kernel went on after the sysrq trigger's \"c\"");
}

/*
 * BRK-012: the guest stops answering while its kernel says nothing of a
 * fault: a halt, which under qemu's -no-reboot stops the processor and
 * leaves qemu running (a power-off would end qemu: a target lost). In a
 * kernel target's guest only; anywhere else it is a SKIP.
 */
static void target_hangs(void)
{
	mc_agent_start("A");
	if (!in_a_kernel_targets_guest())
		MC_SKIP("target-hang", "the case halts a kernel only in a --kernel guest (" GUEST_MARK
			" on its command line), and this is not one");
	reboot(RB_HALT_SYSTEM);
	MC_BROKEN("target-hang", "the kernel refused to halt: %s", strerror(errno));
}

static const struct mc_case cases[] = {
	MC_CASE("BRK-001", passes),
	MC_CASE("BRK-002", agent_killed_mid_case),
	MC_CASE("BRK-003", agent_answers_garbage),
	MC_CASE("BRK-004", agent_never_answers),
	MC_CASE("BRK-005", checks_nothing),
	MC_CASE("BRK-006", check_fails),
	MC_CASE("BRK-007", controller_crashes),
	MC_CASE("BRK-008", controller_hangs),
	MC_CASE("BRK-009", unknown_verb),
	MC_CASE("BRK-010", step_the_platform_lacks),
	MC_CASE("BRK-011", kernel_crashes),
	MC_CASE("BRK-012", target_hangs),
};
MC_MAIN("broken", cases)
