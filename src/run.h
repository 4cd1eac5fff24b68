/*
 * run.h: `sidelog run`, the shipper itself.
 */
#ifndef SIDELOG_RUN_H
#define SIDELOG_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define RUN_BASE_BYTES	(3 * 1024 * 1024)	/* code, libc, the loop, TLS
						   configuration */
#define RUN_CONN_BYTES	(96 * 1024)	/* a TLS session and its buffers */

struct run_budget {
	uint64_t	 batches;	/* memory_limit, and what may pass it */
	uint64_t	 lines;		/* buffers sized by max_line_bytes */
	uint64_t	 replies;	/* reply bodies kept */
	uint64_t	 base;
	uint64_t	 total;
};

int	run_main(struct config *);
void	run_block_signals(void);
void	run_budget(const struct config *, struct run_budget *);
void	run_budget_say(const struct config *, char *, size_t, char *,
	    size_t);

#endif
