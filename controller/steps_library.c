#include "steps_library.h"
#include "requests.h"

void mc_lib_load_at(MC_WHERE, struct mc_agent *a)
{
	mc_step_at(file, line, a, "lib op=load");
}

uintptr_t mc_lib_alloc_at(MC_WHERE, struct mc_agent *a, uint64_t size)
{
	struct mc_reply r = mc_step_at(file, line, a, "lib op=alloc size=%llu", (unsigned long long)size);

	return (uintptr_t)mc_reply_u64(file, line, &r, "addr");
}

void mc_lib_free_at(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	mc_step_at(file, line, a, "lib op=free addr=0x%lx", (unsigned long)addr);
}

struct mc_reply mc_lib_global_at(MC_WHERE, struct mc_agent *a)
{
	struct mc_reply r = mc_step_at(file, line, a, "lib op=global");

	return r;
}

void mc_lib_set_at(MC_WHERE, struct mc_agent *a, unsigned int value)
{
	mc_step_at(file, line, a, "lib op=set value=%u", value);
}

struct mc_reply mc_lib_shared_global_at(MC_WHERE, struct mc_agent *a)
{
	struct mc_reply r = mc_step_at(file, line, a, "lib op=global var=shared");

	return r;
}

void mc_lib_set_shared_at(MC_WHERE, struct mc_agent *a, unsigned int value)
{
	mc_step_at(file, line, a, "lib op=set var=shared value=%u", value);
}
