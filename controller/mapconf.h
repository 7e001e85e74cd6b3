/* Everything a case file needs. */
#ifndef MAPCONF_H
#define MAPCONF_H

#include "case_main.h"
#include "checks.h"
#include "objects.h"
#include "steps.h"

#endif
