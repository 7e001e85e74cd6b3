#include "steps_memory.h"
#include "requests.h"
#include "random.h"
#include "steps_view.h"

#include <stdio.h>
#include <string.h>

#define TEXT_MAX 256
#define READ "read addr=0x%llx length=%zu"

/* The hex of text, checked for its length. */
static void text_as_hex(MC_WHERE, const char *text, char hex[2 * TEXT_MAX + 1])
{
	size_t len = strlen(text);

	if (len == 0 || len > TEXT_MAX)
		mc_broken(file, line, "write", "text to write must be 1 to %d bytes", TEXT_MAX);
	mc_hex_encode(text, len, hex);
}

void mc_write_text_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *text)
{
	char hex[2 * TEXT_MAX + 1];

	text_as_hex(file, line, text, hex);
	mc_step_where(file, line, a, "write addr=0x%llx data=%s", (unsigned long long)addr, hex);
}

struct mc_reply mc_try_write_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *text)
{
	char hex[2 * TEXT_MAX + 1];

	text_as_hex(file, line, text, hex);
	return mc_try_where(file, line, a, "write addr=0x%llx data=%s", (unsigned long long)addr, hex);
}

struct mc_reply mc_try_read_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, size_t length)
{
	return mc_try_where(file, line, a, READ, (unsigned long long)addr, length);
}

void mc_fill_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, uint64_t seed)
{
	mc_step_where(file, line, a, "fill addr=0x%llx length=%llu seed=%llu", (unsigned long long)addr,
		      (unsigned long long)length, (unsigned long long)seed);
}

struct mc_reply mc_try_fill_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length, uint64_t seed)
{
	return mc_try_where(file, line, a, "fill addr=0x%llx length=%llu seed=%llu", (unsigned long long)addr,
			    (unsigned long long)length, (unsigned long long)seed);
}

struct mc_reply mc_checksum_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, uint64_t length)
{
	struct mc_reply r = mc_step_where(file, line, a, "checksum addr=0x%llx length=%llu",
					  (unsigned long long)addr, (unsigned long long)length);

	return r;
}

struct mc_reply mc_probe_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, const char *access)
{
	return mc_step_where(file, line, a, "probe addr=0x%llx access=%s", (unsigned long long)addr, access);
}

/* The builder's answer (its own sum=) is not used: what a walk must find is known here. */
void mc_chain_build_where(MC_WHERE, struct mc_agent *a, uintptr_t addr, int count, int stride)
{
	mc_step_where(file, line, a, "chain_build addr=0x%llx count=%d stride=%d", (unsigned long long)addr, count,
		      stride);
}

uint64_t mc_chain_sum(int count)
{
	uint64_t sum = 0;

	for (uint64_t i = 0; i < (uint64_t)count; i++)
		sum += 7 * i + 1;
	return sum;
}

struct mc_reply mc_try_chain_walk_where(MC_WHERE, struct mc_agent *a, uintptr_t addr)
{
	return mc_try_where(file, line, a, "chain_walk addr=0x%llx", (unsigned long long)addr);
}

uintptr_t mc_alloc_where(MC_WHERE, struct mc_agent *a, const char *kind, uint64_t size)
{
	struct mc_reply r = mc_step_where(file, line, a, "alloc kind=%s size=%llu", kind,
					  (unsigned long long)size);

	return (uintptr_t)mc_field_u64_where(file, line, &r, "addr");
}

/*
 * The object is really shared (checked, so a platform that shares nothing
 * cannot pass these cases by accident), and everything else must stay
 * private.
 */
void mc_share_object_where(MC_WHERE, struct mc_agent *a, struct mc_agent *b)
{
	struct mc_object *obj = mc_object_new_where(file, line, MC_PAGE);
	const char *shared = mc_marker("shared");
	uintptr_t va = mc_create_map_where(file, line, a, obj);
	uintptr_t vb = mc_open_map_where(file, line, b, obj);
	char hex[2 * TEXT_MAX + 1];
	struct mc_reply r;

	mc_write_text_where(file, line, a, va, shared);
	r = mc_step_where(file, line, b, READ, (unsigned long long)vb, strlen(shared));
	mc_hex_encode(shared, strlen(shared), hex);
	if (strcmp(mc_field_where(file, line, &r, "data"), hex) != 0)
		mc_broken(file, line, "share-object",
			  "B does not see A's write through the shared object, so what stays private cannot be told apart");
}
