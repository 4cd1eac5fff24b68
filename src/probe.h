/*
 * probe.h: `sidelog probe`: the configured output tried once without
 * sending a record, each step printed with its time and outcome.
 */
#ifndef SIDELOG_PROBE_H
#define SIDELOG_PROBE_H

#include <stdio.h>

#include "config.h"

/* 0: records would be accepted; 1: not, the failed step named on out. */
int	probe_main(const struct config *, FILE *out);

#endif
