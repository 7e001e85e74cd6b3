#include "run_env.h"

#include <stdlib.h>

static const char *from_env(const char *variable, const char *fallback)
{
	const char *value = getenv(variable);

	return value && *value ? value : fallback;
}

const char *mc_run_id(void)
{
	return from_env("MAPCONF_RUN_ID", "manual");
}

const char *mc_scratch_dir(void)
{
	return from_env("MAPCONF_SCRATCH", "/tmp");
}

const char *mc_before_dir(void)
{
	return from_env("MAPCONF_BEFORE_DIR", mc_scratch_dir());
}

static const char *case_id = "none";

void mc_case_id_set(const char *id)
{
	case_id = id;
}

const char *mc_case_id(void)
{
	return case_id;
}
