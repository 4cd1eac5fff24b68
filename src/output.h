/*
 * output.h: the HTTP backend as a sink.  Records go into batches; closed
 * batches are POSTed over up to max_in_flight connections; what the
 * backend acknowledged is acknowledged to the files; what it refused for
 * good goes to the dead-letter file; everything else is retried.
 * Wider than 12 functions because the reader fills it, run drives and
 * wires it, /metrics reads it, and the memory budget asks its bounds.
 */
#ifndef SIDELOG_OUTPUT_H
#define SIDELOG_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "labels.h"
#include "loop.h"
#include "record.h"
#include "tail_ack.h"

#define OUTPUT_MAX_CODES	32	/* distinct status codes counted */
#define OUTPUT_PROXY		1000	/* codes[].code of a proxy's status */
#define OUTPUT_GROWTH		4	/* record bytes per line byte, at most
					   as output_patience() counts */

struct output;

struct output_stats {
	uint64_t	 delivered;	/* records acknowledged by the backend */
	uint64_t	 rejected;	/* records refused for good */
	uint64_t	 retries;	/* requests sent again */
	uint64_t	 held;		/* bytes of batches in memory */
	uint64_t	 last_ms;	/* wall clock of the last records
					   acknowledged, ms; 0: none yet */
	int		 ncodes;
	struct {
		int	 code;		/* 0: no response (transport error);
					   OUTPUT_PROXY + status: the proxy's
					   refusal of a tunnel */
		uint64_t n;
	} codes[OUTPUT_MAX_CODES];
};

typedef void	output_ready_fn(void *);

struct output	*output_new(struct loop *, const struct config *,
		    const struct labels *);
void		 output_free(struct output *);
void		 output_on_ready(struct output *, output_ready_fn *, void *);
void		 output_on_ack(struct output *, output_ready_fn *, void *);
int		 output_add(struct output *, const struct record_tpl *,
		    const struct record_vals *, struct tail *, unsigned gen,
		    uint64_t off, uint64_t end, const char **doc,
		    size_t *doclen);
int		 output_wants_ids(const struct output *);
int		 output_record_local(const struct config_output *);
void		 output_flush(struct output *);
void		 output_abandon(struct output *);
int		 output_in_flight(const struct output *);
int		 output_is_idle(const struct output *);
uint64_t	 output_patience(const struct output *, uint64_t rate);
void		 output_stats(const struct output *, struct output_stats *);
size_t		 output_reply_cap(const struct config_output *);
size_t		 output_overshoot(const struct config *);

#endif
