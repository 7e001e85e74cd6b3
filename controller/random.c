#define _GNU_SOURCE
#include "random.h"

#include <stdio.h>
#include <unistd.h>
#include <sys/random.h>

unsigned int mc_random_u32(void)
{
	unsigned int rnd = 0;

	/* without getrandom (an old kernel, a sandbox), the pid still keeps concurrent cases apart */
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
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
