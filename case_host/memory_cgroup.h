/*
 * A memory cgroup for each case the host runs, where the runner's own
 * cannot reach (a machine over ssh, a virtual machine, a bundle): the
 * same layout as runner/memcg.py makes on the runner's machine.
 *
 *   cgroup v1:  <the host's memory cgroup>/mapconf-<run id>-<host pid>/case-<n>
 *   cgroup v2:  <the parent of the host's cgroup>/mapconf-<run id>-<host pid>/case-<n>
 *
 * The case is told where by MAPCONF_MEMORY=cgroup:<dir> (controller/
 * memory_figure.c joins it and reads its memory.stat); where none can be
 * made, by MAPCONF_MEMORY=none:<why>, and its release checks say so.
 */
#ifndef MAPCONF_CASE_HOST_MEMORY_CGROUP_H
#define MAPCONF_CASE_HOST_MEMORY_CGROUP_H

/* Whether a cgroup for the run could be made here (the place exists and may be written): 1 or 0. */
int memory_cgroup_possible(void);

/* Make the host's cgroup for the run; 0, or -1 with the reason kept for each case. */
int memory_cgroup_open(const char *run_id);

/* Make case n's cgroup and put MAPCONF_MEMORY in the environment for the case. */
void memory_cgroup_for_case(long n);

/* After the case (whose processes are gone): remove its cgroup. */
void memory_cgroup_case_done(void);

/* Remove the host's cgroup for the run. */
void memory_cgroup_close(void);

#endif
