/*
 * batch.h: records on their way to the backend: the NDJSON body as it
 * is filled, its gzip form, where each record ends (to split a batch the
 * backend refused), and the file ranges it covers (to acknowledge them
 * once it was delivered).  Only output.c uses it; wider than 12
 * functions because a batch is filled, compressed, split, queued and
 * resolved, and the queue is part of it.
 */
#ifndef SIDELOG_BATCH_H
#define SIDELOG_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <zlib.h>

#include "tail_ack.h"

struct batch;
struct batch_pool;

/* The bytes a batch begins with, puts between two records, ends with:
 * an output format's envelope (none for ndjson). */
struct batch_frame {
	const char	*head, *sep, *tail;
	size_t		 headlen, seplen, taillen;
	/* When the body sent is not the records as they stand (Loki's
	 * streams): it, written at out from the framed records raw and
	 * where each ends; never longer than they are.  Its length, or -1
	 * for lack of memory. */
	ssize_t		 (*group)(const char *raw, const uint32_t *ends, int n,
			    const struct batch_frame *, char *out);
};

/* Batches waiting to be sent, oldest first: a list through the batches
 * themselves, so pushing never fails and only memory bounds its length.
 * held is the sum of batch_held() over them. */
struct batch_queue {
	struct batch	*head, *tail;
	int		 len;
	size_t		 held;
};

struct batch_pool *batch_pool_new(void);
void		 batch_pool_free(struct batch_pool *);
struct batch	*batch_new(struct batch_pool *, size_t cap, int max_records,
		    z_stream *, const struct batch_frame *);
void		 batch_drop(struct batch *);
char		*batch_reserve(struct batch *, size_t need);
void		 batch_commit(struct batch *, size_t len, struct tail *,
		    unsigned gen, uint64_t off, uint64_t end);
int		 batch_close(struct batch *);
struct batch	*batch_pick(struct batch *, const int *idx, int n,
		    z_stream *);
void		 batch_resolved(struct batch *);
int		 batch_is_ready(const struct batch *);

void		 batch_queue_push(struct batch_queue *, struct batch *,
		    int front);
struct batch	*batch_queue_pop(struct batch_queue *);

const char	*batch_body(const struct batch *, size_t *len);
const char	*batch_record(const struct batch *, int i, size_t *len);
int		 batch_records(const struct batch *);
size_t		 batch_raw(const struct batch *);
size_t		 batch_held(const struct batch *);

#endif
