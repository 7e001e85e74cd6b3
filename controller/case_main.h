/*
 * What a case binary is: a list of cases, each checking one assertion of
 * the spec table, and a main that lists them or runs one of them for one
 * backend under cmocka.
 *
 *   static const struct mc_case cases[] = {
 *       MC_CASE("VIS-001", write_in_a_is_read_by_b),
 *   };
 *   MC_MAIN("visibility", cases)
 *
 * Usage: BINARY --list
 *        BINARY --case FUNCTION --backend BACKEND [--result FILE] [--transcript FILE]
 */
#ifndef MAPCONF_CASE_MAIN_H
#define MAPCONF_CASE_MAIN_H

#include "case_end.h"

#include <stddef.h>

struct mc_case {
	const char *id;
	const char *function;
	void (*run)(void);
	const char *file;
	int line;
};

#define MC_CASE(id, fn) { id, #fn, fn, MC_HERE }

int mc_main(const char *binary, const struct mc_case *cases, size_t ncases,
	    int argc, char **argv);

#define MC_MAIN(binary, cases)                                                  \
	int main(int argc, char **argv)                                         \
	{                                                                       \
		return mc_main(binary, cases, sizeof(cases) / sizeof(cases[0]), \
			       argc, argv);                                     \
	}

#endif
