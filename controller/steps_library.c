#include "steps_library.h"
#include "requests.h"

void mc_lib_load_where(MC_WHERE, struct mc_agent *a)
{
	mc_step_where(file, line, a, "lib op=load");
}

uintptr_t mc_lib_alloc_where(MC_WHERE, struct mc_agent *a, uint64_t size)
{
	struct mc_reply r = mc_step_where(file, line, a, "lib op=alloc size=%llu", (unsigned long long)size);

	return (uintptr_t)mc_field_u64_where(file, line, &r, "addr");
}

void mc_lib_free_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	mc_step_where(file, line, a, "lib op=free addr=0x%llx", (unsigned long long)addr);
}

struct mc_reply mc_lib_global_where(MC_WHERE, struct mc_agent *a)
{
	struct mc_reply r = mc_step_where(file, line, a, "lib op=global");

	return r;
}

void mc_lib_set_where(MC_WHERE, struct mc_agent *a, unsigned int value)
{
	mc_step_where(file, line, a, "lib op=set value=%u", value);
}

struct mc_reply mc_lib_shared_global_where(MC_WHERE, struct mc_agent *a)
{
	struct mc_reply r = mc_step_where(file, line, a, "lib op=global var=shared");

	return r;
}

void mc_lib_set_shared_where(MC_WHERE, struct mc_agent *a, unsigned int value)
{
	mc_step_where(file, line, a, "lib op=set var=shared value=%u", value);
}
