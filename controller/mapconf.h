/* Everything a case file needs. */
#ifndef MAPCONF_H
#define MAPCONF_H

#include "case_end.h"
#include "case_main.h"
#include "checks.h"
#include "random.h"
#include "steps.h"

#endif
