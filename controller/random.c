#define _GNU_SOURCE
#include "random.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef _WIN32
#include <windows.h>
#include <ntsecapi.h>   /* RtlGenRandom, exported by advapi32 as SystemFunction036 */
#else
#include <sys/random.h>
#endif

/*
 * A traced run (MAPCONF_TRACE_DIR: what ./mapconf repro records) draws the
 * same numbers each time, from a counter (splitmix64): its objects' names
 * and its markers, and so the program made from it, are the same text each
 * time a case is recorded, and a build of it can be kept. Nothing is lost:
 * a reproducer replays the values it was recorded with anyway, and every
 * name still carries its run's id and its controller's pid.
 */
static int traced_draw(unsigned int *rnd)
{
	static int traced = -1;
	static uint64_t state;
	uint64_t z;

	if (traced < 0)
		traced = getenv("MAPCONF_TRACE_DIR") && *getenv("MAPCONF_TRACE_DIR");
	if (!traced)
		return 0;
	z = (state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	*rnd = (unsigned int)((z ^ (z >> 31)) >> 32);
	return 1;
}

unsigned int mc_random_u32(void)
{
	unsigned int rnd = 0;

	if (traced_draw(&rnd))
		return rnd;
	/* without getrandom (an old kernel, a sandbox), the pid still keeps concurrent cases apart */
#ifdef _WIN32
	if (!RtlGenRandom(&rnd, sizeof(rnd)))
#else
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
#endif
		rnd = (unsigned int)getpid() * 2654435761u;
	return rnd;
}

const char *mc_marker(const char *prefix)
{
	static char texts[8][96];
	static int next;
	char *text = texts[next++ % 8];

	snprintf(text, sizeof(texts[0]), "%s-%08x%08x", prefix, mc_random_u32(), mc_random_u32());
	return text;
}
