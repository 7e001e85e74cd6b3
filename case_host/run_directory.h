/*
 * A run's directory on a target reached over ssh (runner/ssh_target.py):
 * held by a process of the run for as long as the run lives, and swept by
 * a later run once the run that made it is gone.
 */
#ifndef MAPCONF_RUN_DIRECTORY_H
#define MAPCONF_RUN_DIRECTORY_H

/* --hold DIR: take DIR's lock, say "held", keep it until standard input ends; the exit status. */
int hold_run_directory(const char *dir);

/* --sweep PREFIX SECONDS: remove the directories PREFIX<run id> of this user's runs that are gone,
 * and end their processes; one line of what was done, or left alone, each; the exit status. */
int sweep_run_directories(const char *prefix, const char *unlocked_seconds);

#endif
