/* What the runner tells a case about the run it belongs to, with defaults for a case run by hand. */
#ifndef MAPCONF_RUN_ENV_H
#define MAPCONF_RUN_ENV_H

/* MAPCONF_RUN_ID: the id every name of the run carries ("manual" by hand). */
const char *mc_run_id(void);
/* MAPCONF_SCRATCH: the run's directory for files and sockets ("/tmp" by hand). */
const char *mc_scratch_dir(void);
/* MAPCONF_BEFORE_DIR: where the runner made the files of the run before it began (the scratch directory by default). */
const char *mc_before_dir(void);

#endif
