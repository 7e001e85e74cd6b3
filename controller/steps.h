/*
 * The verbs a case uses, typed, each named after what it does in the
 * contract's words. Two kinds:
 *
 *   mc_create(), mc_map(), ... are steps: the case needs them to succeed in
 *   order to check anything, so a failure ends the case as ERROR (the
 *   environment broke) or SKIP (the platform lacks the backend), never as
 *   FAIL.
 *
 *   mc_try_*() send the request and return the answer for a check to judge.
 *
 * All are called through macros that pass MC_HERE, so the record names the
 * case's own line. Handles are agent-side names ("h1"); addresses are the
 * agent's numbers.
 */
#ifndef MAPCONF_STEPS_H
#define MAPCONF_STEPS_H

#include "steps_library.h"
#include "steps_memory.h"
#include "steps_object.h"
#include "steps_process.h"
#include "steps_sync.h"
#include "steps_view.h"

#endif
