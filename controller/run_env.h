/* What the runner tells a case about the run it belongs to, with defaults for a case run by hand. */
#ifndef MAPCONF_RUN_ENV_H
#define MAPCONF_RUN_ENV_H

/* MAPCONF_RUN_ID: the id every name of the run carries ("manual" by hand). */
const char *mc_run_id(void);
/* MAPCONF_SCRATCH: the run's directory for files and sockets ("/tmp" by hand). */
const char *mc_scratch_dir(void);
/* MAPCONF_BEFORE_DIR: where the runner made the files of the run before it began (the scratch directory by default). */
const char *mc_before_dir(void);
/*
 * The spec table's ID of the case that runs ("VIS-001"), set once by the
 * case's main before the case starts; "none" before.
 */
void mc_case_id_set(const char *id);
const char *mc_case_id(void);

#endif
