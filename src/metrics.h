/*
 * metrics.h: the `listen` endpoint: /healthz and Prometheus /metrics.
 * The figures come from a callback that writes the text exposition
 * into a bounded buffer through metrics_printf().
 */
#ifndef SIDELOG_METRICS_H
#define SIDELOG_METRICS_H

#include <stddef.h>

#include "loop.h"

#define METRICS_MAX_BODY	(256 * 1024)

struct metrics;
struct metrics_buf;

typedef void	metrics_collect_fn(void *arg, struct metrics_buf *);

struct metrics	*metrics_new(struct loop *, const char *listen,
		    metrics_collect_fn *, void *arg);
void		 metrics_free(struct metrics *);
void		 metrics_printf(struct metrics_buf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

#endif
