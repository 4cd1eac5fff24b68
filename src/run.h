/*
 * run.h: `sidelog run`, the shipper itself.
 */
#ifndef SIDELOG_RUN_H
#define SIDELOG_RUN_H

#include "config.h"

int	run_main(struct config *);
void	run_block_signals(void);

#endif
