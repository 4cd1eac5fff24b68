/*
 * tail_ack.h: what a sink needs of the files it takes records from: to
 * hold a range of one until it is delivered, and to acknowledge it.
 * (tail.c implements it; tail.h is the reader's wider door.)
 */
#ifndef SIDELOG_TAIL_ACK_H
#define SIDELOG_TAIL_ACK_H

#include <stdint.h>

enum tail_sink {
	TAIL_SINK_STDOUT,	/* the re-emitter */
	TAIL_SINK_OUTPUT,	/* the HTTP backend */
	TAIL_SINKS
};

struct tail;

void	tail_ref(struct tail *);
void	tail_ack(struct tail *, enum tail_sink, unsigned gen, uint64_t off,
	    uint64_t end);

#endif
