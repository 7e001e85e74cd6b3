#define _GNU_SOURCE
#include "case_main.h"
#include "agent_client.h"
#include "backends.h"
#include "case_process.h"
#include "run_env.h"
#include "trace.h"
#include "huge_pages.h"
#include "objects.h"
#include "record.h"
#include "transcript.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

static const struct mc_case *current;
static const char *binary_name, *backend;

/* The cmocka test: one case, bracketed by begin and end records. */
static void run_current(void **state)
{
	(void)state;
	mc_record_begin(current->id, binary_name, current->function, backend);
	(void)mc_backend();   /* a backend the controller does not know is an ERROR before the case starts */
	current->run();
	mc_record_end();
}

static int usage(const char *binary)
{
	fprintf(stderr,
		"usage: %s --list\n"
		"       %s --case FUNCTION --backend BACKEND [--result FILE] [--transcript FILE]\n",
		binary, binary);
	return 2;
}

static void list_cases(const struct mc_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%s\t%s:%s\t%s:%d\n", cases[i].id, binary_name, cases[i].function,
		       cases[i].file, cases[i].line);
}

int mc_main(const char *binary, const struct mc_case *cases, size_t ncases,
	    int argc, char **argv)
{
	const char *function = NULL, *result = NULL, *transcript = NULL;
	int failed;

	binary_name = binary;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			list_cases(cases, ncases);
			return 0;
		} else if (i + 1 < argc && strcmp(argv[i], "--case") == 0) {
			function = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--backend") == 0) {
			backend = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--result") == 0) {
			result = argv[++i];
		} else if (i + 1 < argc && strcmp(argv[i], "--transcript") == 0) {
			transcript = argv[++i];
		} else {
			return usage(argv[0]);
		}
	}
	if (!function || !backend)
		return usage(argv[0]);
	for (size_t i = 0; i < ncases; i++)
		if (strcmp(cases[i].function, function) == 0)
			current = &cases[i];
	if (!current) {
		fprintf(stderr, "%s: no case named '%s'; --list shows them\n", argv[0], function);
		return 2;
	}

	mc_case_id_set(current->id);
	mc_backend_select(backend);
	mc_case_process_prepare();
	mc_record_open(result);
	mc_transcript_open(transcript);
	mc_trace_open(current->id, backend);
	mc_trace("scratch %s", mc_scratch_dir());   /* where file names are, for a reproducer to put its own */

	const struct CMUnitTest tests[] = {
		{ current->function, run_current, NULL, NULL, NULL },
	};
	failed = _cmocka_run_group_tests(binary, tests, 1, NULL, NULL);

	/* cleanup happens here, not in a cmocka teardown, so it runs for every outcome */
	mc_agent_kill_all();
	mc_objects_remove_all();
	mc_huge_pages_give_back();
	return failed ? 1 : 0;
}
