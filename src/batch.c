/*
 * batch.c: one request's worth of records.
 *
 * Records are appended to the NDJSON body and streamed into gzip as the
 * body grows (one deflate call per BATCH_GZ_STEP bytes rather than one
 * per record, which costs more than it saves), and finished when the
 * batch closes.  The body is kept beside its gzip form: when the backend
 * refuses a batch (413, 400) it is cut into parts, which are compressed
 * anew.  A batch as first filled is a root and owns the file ranges its
 * records came from; they are acknowledged to the tails only when every
 * part the root was cut into has been resolved (delivered, or set aside
 * as a dead letter), so a file's delivered offset never passes a record
 * still in flight.
 */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "log.h"

#define BATCH_GZ_STEP	(64 * 1024)

struct range {
	struct tail	*t;
	unsigned	 gen;
	uint64_t	 off, end;
};

struct batch {
	struct batch	*root;		/* itself for a root */
	int		 pending;	/* root: parts not yet resolved */
	char		*raw;		/* the NDJSON body */
	size_t		 cap, len;
	uint32_t	*ends;		/* where each record ends in raw */
	int		 nrec, maxrec;
	struct range	*ranges;	/* root only */
	int		 nranges, capranges;
	z_stream	*z;		/* NULL: no compression */
	size_t		 zfed;		/* raw bytes given to deflate */
	char		*gz;
	size_t		 gzcap, gzlen;
	char		*sent;		/* the body as sent, when the frame
					   groups records; else raw */
	size_t		 sentlen;
	int		 zfailed;	/* deflate ran out of memory: redo */
	int		 zdone;		/* the gzip stream is finished */
	int		 closed;
	int		 dropped;	/* root: a part was dropped, no acks */
	struct batch_pool *pool;	/* where its buffers go back, or NULL */
	const struct batch_frame *frame;	/* the format's, or NULL */
	struct batch	*next;		/* in a batch_queue */
};

static const struct batch_frame no_frame;

/* File ranges a batch can always take without allocating: a record's
 * range is added at commit, which must not fail. */
#define BATCH_RANGES	8

/*
 * Buffers of batches done with, kept for the next ones: a fresh 1 MiB
 * buffer is a fresh mapping whose every page faults in (measured: about
 * 2000 mmap/munmap pairs per 256 MiB shipped without this).
 */
#define BATCH_SPARES	2

struct spare {
	char		*raw, *gz;
	uint32_t	*ends;
	size_t		 cap, gzcap;
	int		 maxrec;
};

struct batch_pool {
	struct spare	 s[BATCH_SPARES];
	int		 n;
};

struct batch_pool *
batch_pool_new(void)
{
	return calloc(1, sizeof(struct batch_pool));
}

void
batch_pool_free(struct batch_pool *p)
{
	int	 i;

	for (i = 0; p != NULL && i < p->n; i++) {
		free(p->s[i].raw);
		free(p->s[i].gz);
		free(p->s[i].ends);
	}
	free(p);
}

static void	free_buffers(struct batch *);

static int
from_pool(struct batch *b, struct batch_pool *p, size_t cap, int maxrec)
{
	struct spare	*s;

	if (p == NULL || p->n == 0)
		return 0;
	s = &p->s[p->n - 1];
	if (s->cap < cap || s->maxrec != maxrec)
		return 0;
	b->raw = s->raw;
	b->gz = s->gz;
	b->ends = s->ends;
	b->gzcap = s->gzcap;
	p->n--;
	return 1;
}

/*
 * A batch for records of up to cap bytes in all, framed by f (NULL:
 * none): its head is written now, a separator before each record but
 * the first, its tail when it closes.
 */
struct batch *
batch_new(struct batch_pool *pool, size_t cap, int max_records, z_stream *z,
    const struct batch_frame *f)
{
	struct batch	*b;

	if (f == NULL)
		f = &no_frame;
	cap += f->headlen + f->taillen;
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->pool = pool;
	b->frame = f;
	if (from_pool(b, pool, cap, max_records))
		cap = pool->s[pool->n].cap;
	else {
		b->raw = malloc(cap);
		b->ends = calloc((size_t)max_records, sizeof(*b->ends));
	}
	if (b->raw == NULL || b->ends == NULL) {
		free(b->raw);
		free(b->ends);
		free(b);
		return NULL;
	}
	b->ranges = reallocarray(NULL, BATCH_RANGES, sizeof(*b->ranges));
	if (b->ranges == NULL) {
		free_buffers(b);
		free(b);
		return NULL;
	}
	b->capranges = BATCH_RANGES;
	b->root = b;
	b->pending = 1;
	b->cap = cap;
	b->maxrec = max_records;
	b->z = z;
	if (z != NULL)
		deflateReset(z);
	if (f->headlen > 0)
		memcpy(b->raw, f->head, f->headlen);
	b->len = f->headlen;
	return b;
}

static void
free_buffers(struct batch *b)
{
	struct batch_pool	*p = b->pool;

	free(b->sent);
	b->sent = NULL;
	if (p != NULL && p->n < BATCH_SPARES && b->raw != NULL) {
		p->s[p->n++] = (struct spare){ b->raw, b->gz, b->ends, b->cap,
		    b->gzcap, b->maxrec };
		b->raw = b->gz = NULL;
		b->ends = NULL;
		b->cap = b->gzcap = 0;
		return;
	}
	free(b->raw);
	free(b->ends);
	free(b->gz);
	b->raw = b->gz = NULL;
	b->ends = NULL;
	b->cap = b->gzcap = 0;
}

/* One part of root is done with; the last one acknowledges the ranges,
 * unless a part was dropped: then they are only released, to be read
 * and sent again. */
static void
root_release(struct batch *root)
{
	int	 i;

	if (--root->pending > 0)
		return;
	for (i = 0; i < root->nranges; i++)
		tail_ack(root->ranges[i].t, TAIL_SINK_OUTPUT, root->dropped ?
		    ~0u : root->ranges[i].gen, root->ranges[i].off,
		    root->ranges[i].end);
	free(root->ranges);
	free(root);
}

static void
part_done(struct batch *b)
{
	struct batch	*root = b->root;

	free_buffers(b);
	if (b != root)
		free(b);
	root_release(root);
}

/* Dropped unacknowledged (shutdown, reload): its lines go again later. */
void
batch_drop(struct batch *b)
{
	if (b == NULL)
		return;
	b->root->dropped = 1;
	part_done(b);
}

/* Room for one more file range, so that batch_commit cannot fail. */
static int
range_room(struct batch *b)
{
	struct range	*r;
	int		 cap = b->capranges * 2;

	if (b->nranges < b->capranges)
		return 0;
	r = reallocarray(b->ranges, (size_t)cap, sizeof(*r));
	if (r == NULL)
		return -1;
	b->ranges = r;
	b->capranges = cap;
	return 0;
}

/* Room for a record of up to need bytes, or NULL: close this batch (and
 * for lack of memory too: a new batch has BATCH_RANGES of its own). */
char *
batch_reserve(struct batch *b, size_t need)
{
	const struct batch_frame	*f = b->frame;
	size_t				 sep = b->nrec > 0 ? f->seplen : 0;

	if (b->closed || b->nrec == b->maxrec || b->cap - b->len < need +
	    sep + f->taillen || range_room(b) == -1)
		return NULL;
	if (sep > 0)
		memcpy(b->raw + b->len, f->sep, sep);
	return b->raw + b->len + sep;
}

/* Extends the last range when the record follows it in the same file,
 * else takes the slot batch_reserve made sure of. */
static void
add_range(struct batch *b, struct tail *t, unsigned gen, uint64_t off,
    uint64_t end)
{
	struct range	*r;

	if (b->nranges > 0) {
		r = &b->ranges[b->nranges - 1];
		if (r->t == t && r->gen == gen && r->end == off) {
			r->end = end;
			return;
		}
	}
	b->ranges[b->nranges++] = (struct range){ t, gen, off, end };
	tail_ref(t);
}

static int
grow_gz(struct batch *b)
{
	size_t	 want;
	char	*p;

	want = b->gzcap ? b->gzcap * 2 : deflateBound(b->z, b->len) / 2 + 64;
	p = realloc(b->gz, want);
	if (p == NULL)
		return -1;
	b->gz = p;
	b->gzcap = want;
	return 0;
}

/*
 * Feeds deflate the body's new bytes; finish closes the gzip stream.  A
 * failure leaves the stream unusable: zfailed makes batch_close start it
 * again from the first byte.
 */
static int
compress_more(struct batch *b, int finish)
{
	int	 rc;

	const char	*src = b->sent != NULL ? b->sent : b->raw;
	size_t		 len = b->sent != NULL ? b->sentlen : b->len;

	if (b->zfailed)
		return -1;
	b->z->next_in = (Bytef *)src + b->zfed;
	b->z->avail_in = (uInt)(len - b->zfed);
	do {
		if (b->gzlen == b->gzcap && grow_gz(b) == -1) {
			b->zfailed = 1;
			return -1;
		}
		b->z->next_out = (Bytef *)b->gz + b->gzlen;
		b->z->avail_out = (uInt)(b->gzcap - b->gzlen);
		rc = deflate(b->z, finish ? Z_FINISH : Z_NO_FLUSH);
		b->gzlen = b->gzcap - b->z->avail_out;
		if (rc == Z_STREAM_ERROR) {
			b->zfailed = 1;
			return -1;
		}
	} while (b->z->avail_out == 0 || (finish && rc != Z_STREAM_END));
	b->zfed = len;
	return 0;
}

/* len bytes at the reserved place, a record (or an action line and its
 * document), cut from [off, end) of the tail's file. */
void
batch_commit(struct batch *b, size_t len, struct tail *t, unsigned gen,
    uint64_t off, uint64_t end)
{
	b->len += (b->nrec > 0 ? b->frame->seplen : 0) + len;
	b->ends[b->nrec++] = (uint32_t)b->len;
	add_range(b, t, gen, off, end);
	/* A failure is mended by batch_close.  A grouped body is known
	 * only once the batch closes. */
	if (b->z != NULL && b->frame->group == NULL &&
	    b->len - b->zfed >= BATCH_GZ_STEP)
		compress_more(b, 0);
}

/* The body as the frame sends it, beside the records as they stand. */
static int
group(struct batch *b)
{
	ssize_t	 n;

	b->sent = malloc(b->len);
	if (b->sent == NULL) {
		log_error("batch: out of memory for a %zu byte body", b->len);
		return -1;
	}
	n = b->frame->group(b->raw, b->ends, b->nrec, b->frame, b->sent);
	if (n < 0) {
		log_error("batch: out of memory to group %d records", b->nrec);
		free(b->sent);
		b->sent = NULL;
		return -1;
	}
	b->sentlen = (size_t)n;
	return 0;
}

/*
 * No more records.  The gzip form is finished, or made again from the
 * start if deflate failed on the way (it ran out of memory); -1 if it
 * fails again: the batch stays closed and not ready, and the caller
 * calls again later.
 */
int
batch_close(struct batch *b)
{
	if (!b->closed && b->frame->taillen > 0) {
		memcpy(b->raw + b->len, b->frame->tail, b->frame->taillen);
		b->len += b->frame->taillen;
	}
	b->closed = 1;
	if (b->frame->group != NULL && b->sent == NULL && group(b) == -1)
		return -1;
	if (b->z == NULL || batch_is_ready(b))
		return 0;
	if (b->zfailed) {
		deflateReset(b->z);
		b->zfailed = 0;
		b->zfed = 0;
		b->gzlen = 0;
	}
	if (compress_more(b, 1) == -1) {
		log_error("batch: out of memory to compress %zu bytes", b->len);
		return -1;
	}
	b->zdone = 1;
	return 0;
}

/* Records idx[0..n) of b, in that order, as a batch of their own,
 * compressed and closed: a half of a refused batch, or the items of a
 * bulk request to send again. */
struct batch *
batch_pick(struct batch *b, const int *idx, int n, z_stream *z)
{
	struct batch	*p;
	const char	*rec;
	size_t		 total = 0, len;
	int		 i;

	for (i = 0; i < n; i++) {
		batch_record(b, idx[i], &len);
		total += len + b->frame->seplen;
	}
	p = batch_new(NULL, total, n, z, b->frame);
	if (p == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		rec = batch_record(b, idx[i], &len);
		memcpy(batch_reserve(p, 0), rec, len);
		p->len += (i > 0 ? p->frame->seplen : 0) + len;
		p->ends[p->nrec++] = (uint32_t)p->len;
	}
	free(p->ranges);	/* a part acknowledges through its root */
	p->ranges = NULL;
	p->capranges = 0;
	p->root = b->root;
	p->root->pending++;
	if (batch_close(p) == -1) {
		p->root->pending--;
		free_buffers(p);
		free(p);
		return NULL;
	}
	return p;
}

/*
 * Every record of b is handled: delivered, set aside, or handed to parts.
 * b is freed (a root once its last part is resolved, when the ranges are
 * acknowledged); the caller must not use it again.
 */
void
batch_resolved(struct batch *b)
{
	part_done(b);
}

/* Closed, and its body (gzip form included) complete. */
int
batch_is_ready(const struct batch *b)
{
	return b->closed && (b->z == NULL || b->zdone);
}

void
batch_queue_push(struct batch_queue *q, struct batch *b, int front)
{
	if (front || q->head == NULL) {
		b->next = q->head;
		q->head = b;
		if (q->tail == NULL)
			q->tail = b;
	} else {
		b->next = NULL;
		q->tail->next = b;
		q->tail = b;
	}
	q->len++;
	q->held += batch_held(b);
}

struct batch *
batch_queue_pop(struct batch_queue *q)
{
	struct batch	*b = q->head;

	if (b == NULL)
		return NULL;
	q->head = b->next;
	if (q->head == NULL)
		q->tail = NULL;
	b->next = NULL;
	q->len--;
	q->held -= batch_held(b);
	return b;
}

const char *
batch_body(const struct batch *b, size_t *len)
{
	if (b->z != NULL) {
		*len = b->gzlen;
		return b->gz;
	}
	*len = b->sent != NULL ? b->sentlen : b->len;
	return b->sent != NULL ? b->sent : b->raw;
}

/* Record i's bytes, without the frame's separator before it. */
const char *
batch_record(const struct batch *b, int i, size_t *len)
{
	size_t	 start = i ? b->ends[i - 1] + b->frame->seplen :
		    b->frame->headlen;

	*len = b->ends[i] - start;
	return b->raw + start;
}

int
batch_records(const struct batch *b)
{
	return b->nrec;
}

size_t
batch_raw(const struct batch *b)
{
	return b->len;
}

/* Bytes this batch holds in memory, for memory_limit. */
size_t
batch_held(const struct batch *b)
{
	return b->cap + b->gzcap + (b->sent != NULL ? b->len : 0);
}
