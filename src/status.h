/*
 * status.h: `sidelog status`: the checkpoint, as a person reads it.
 */
#ifndef SIDELOG_STATUS_H
#define SIDELOG_STATUS_H

#include <stdio.h>

#include "config.h"

int	status_main(const struct config *, FILE *);

#endif
