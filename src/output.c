/*
 * output.c: delivery to the HTTP backend, and what a reply means.
 *
 * Records fill the open batch; it closes at batch_max_bytes,
 * batch_max_records or batch_timeout and joins the queue, whose head
 * goes out on the first free connection (max_in_flight of them).  A
 * reply decides (SPEC "Delivery semantics"):
 *   2xx            delivered (for _bulk, item by item: 409 on create is
 *                  delivered, 429 and 5xx items go again, other item
 *                  errors are dead letters)
 *   413            the batch is cut in two; one record alone is a dead letter
 *   400, 422       bisected until the refused records are found
 *   anything else  (and no reply at all) sent again after a backoff
 * Backoff is exponential with full jitter from retry_initial up to
 * retry_max, or Retry-After when the server says; it never gives up and
 * applies to every request, since the backend is one.  Batches are held
 * in memory up to memory_limit; beyond it output_reserve() fails and
 * reading waits: the files are the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "conn.h"
#include "flat.h"
#include "format.h"
#include "json.h"
#include "http.h"
#include "log.h"
#include "output.h"
#include "stages.h"
#include "output_auth.h"

#define OUTPUT_HEAD_MAX		(16 * 1024)	/* request head with headers */
#define OUTPUT_CHECK_MS		1000	/* files re-checked at most this often */
#define OUTPUT_EXCERPT		200	/* bytes of a reply body in a log line */
#define OUTPUT_REPLY_MAX	(64 * 1024)	/* of a reply body kept, but a
						   _bulk one's: an excerpt is
						   logged */

struct slot {
	struct conn	*c;
	struct batch	*b;		/* in flight, or NULL */
	char		 head[OUTPUT_HEAD_MAX];
};

struct output {
	struct loop			*lp;
	const struct config		*cfg;
	const struct config_output	*oc;
	const struct format_ops		*fmt;
	void				*fstate;	/* the format's */
	struct format_buf		 fjson, fout;	/* make()'s */
	struct batch_frame		 frame;		/* of every batch */
	struct slot			*slots;
	int				 nslots;
	struct batch			*open;
	uint64_t			 open_until;	/* its batch_timeout */
	struct batch_queue		 q;		/* closed, waiting */
	z_stream			 zopen, zpart;
	struct batch_pool		*pool;
	int				 zinit;
	struct tls_conf			*tls;
	struct tls_conf			*ptls;		/* an https:// proxy's */
	uint64_t			 tls_checked;
	uint64_t			 next_try;	/* no request before */
	uint64_t			 hold_until;	/* as a Retry-After asked */
	int				 failures;	/* in a row */
	uint64_t			 rnd;
	struct loop_timer		*batch_timer, *retry_timer;
	struct output_auth		*auth;
	char				 hostport[300];
	int				 dlfd;
	uint64_t			 dlsize;
	uint64_t			 dlpending;	/* written, not synced */
	char				*path;		/* the request's */
	output_ready_fn			*ready;
	void				*ready_arg;
	output_ready_fn			*acked;		/* a reply came */
	void				*acked_arg;
	int				 starved;
	int				 abandoned;	/* a reload is under way */
	struct output_stats		 st;
};

static void	kick(struct output *);
static void	on_done(void *, struct conn *, enum conn_result,
		    const struct http_resp *, const char *);

/* --- memory ------------------------------------------------------------- */

static size_t
held(const struct output *o)
{
	size_t	 n = o->q.held + (o->open ? batch_held(o->open) : 0);
	int	 i;

	for (i = 0; i < o->nslots; i++)
		if (o->slots[i].b != NULL)
			n += batch_held(o->slots[i].b);
	return n;
}

/* Memory was released: a reader that found output full may go on. */
static void
released(struct output *o)
{
	if (o->starved && o->ready != NULL) {
		o->starved = 0;
		o->ready(o->ready_arg);
	}
}

/* --- filling batches ---------------------------------------------------- */

static void
close_open(struct output *o)
{
	struct batch	*b = o->open;

	if (b == NULL)
		return;
	o->open = NULL;
	loop_timer_stop(o->batch_timer);
	if (batch_records(b) == 0) {
		batch_resolved(b);
		return;
	}
	batch_close(b);		/* if it fails, start() tries again */
	batch_queue_push(&o->q, b, 0);
	kick(o);
}

static void
batch_timer(void *arg)
{
	close_open(arg);
}

/* Room for a record of up to need bytes, or NULL: memory_limit is held,
 * and the caller waits to be told (output_on_ready). */
static char *
reserve(struct output *o, size_t need)
{
	size_t	 cap, h;
	char	*p;

	if (o->open != NULL) {
		p = batch_reserve(o->open, need);
		if (p != NULL)
			return p;
		close_open(o);
	}
	cap = o->oc->batch_max_bytes > need ? o->oc->batch_max_bytes : need;
	h = held(o);
	if (h > 0 && h + cap > o->cfg->memory_limit) {
		o->starved = 1;
		return NULL;
	}
	o->open = batch_new(o->pool, cap, o->oc->batch_max_records,
	    o->oc->compression == COMPRESS_GZIP ? &o->zopen : NULL, &o->frame);
	if (o->open == NULL) {
		/* Nothing may be in flight to wake the reader: a timer does. */
		log_error("output: out of memory for a %zu byte batch", cap);
		o->starved = 1;
		loop_timer_set(o->retry_timer, OUTPUT_CHECK_MS);
		return NULL;
	}
	loop_timer_set(o->batch_timer, o->oc->batch_timeout_ms);
	o->open_until = loop_now(o->lp) + o->oc->batch_timeout_ms;
	return batch_reserve(o->open, need);
}

/*
 * How long records read now could wait before they would leave: the
 * open batch's time left, 0 with none, and less when files growing at
 * rate bytes a second would fill it sooner (a record is taken at up to
 * OUTPUT_GROWTH times its line's bytes: keys, metadata, escapes).
 * Reading a growing file just before then costs its lines no delay
 * (README "Delivery and memory, exactly").
 */
uint64_t
output_patience(const struct output *o, uint64_t rate)
{
	uint64_t	 now = loop_now(o->lp), left, room, fill;

	if (o->open == NULL || o->open_until <= now)
		return 0;
	left = o->open_until - now;
	room = batch_raw(o->open) < o->oc->batch_max_bytes ?
	    o->oc->batch_max_bytes - batch_raw(o->open) : 0;
	if (rate > 0 && room < UINT64_MAX / 1000) {
		fill = room * 1000 / OUTPUT_GROWTH / rate;
		if (fill < left)
			left = fill;
	}
	return left;
}

/* After a record is in the open batch: it closes when it is full. */
static void
added(struct output *o, size_t len, struct tail *t, unsigned gen,
    uint64_t off, uint64_t end)
{
	batch_commit(o->open, len, t, gen, off, end);
	if (batch_raw(o->open) >= o->oc->batch_max_bytes ||
	    batch_records(o->open) >= o->oc->batch_max_records)
		close_open(o);
}

/* A record the format builds apart, copied into the open batch: 1, or
 * 0 when memory_limit is held (or there is no memory for it). */
static int
made(struct output *o, const struct record_tpl *tpl,
    const struct record_vals *v, struct tail *t, unsigned gen, uint64_t off,
    uint64_t end)
{
	struct format_in	 in = { o->fstate, o->oc, tpl, v, &o->fjson };
	char			*p;

	o->fout.len = 0;
	if (o->fmt->make(&in, &o->fout) == -1) {
		log_error("output: out of memory for a %s record",
		    o->fmt->name);
		o->starved = 1;
		loop_timer_set(o->retry_timer, OUTPUT_CHECK_MS);
		return 0;
	}
	p = reserve(o, o->fout.len);
	if (p == NULL)
		return 0;
	memcpy(p, o->fout.p, o->fout.len);
	added(o, o->fout.len, t, gen, off, end);
	return 1;
}

/*
 * One record, [off, end) of the tail's file, into the open batch as the
 * format encodes it: 0, or -1 when memory_limit is held (the caller
 * waits to be told, output_on_ready).  *doc is the record as
 * record_encode() makes it, when the format ships it as is (else NULL),
 * for stdout to copy.
 */
int
output_add(struct output *o, const struct record_tpl *tpl,
    const struct record_vals *v, struct tail *t, unsigned gen, uint64_t off,
    uint64_t end, const char **doc, size_t *doclen)
{
	size_t	 len;
	char	*p;

	if (o->fmt->make != NULL)
		return made(o, tpl, v, t, gen, off, end) ? 0 : -1;
	p = reserve(o, record_max(tpl, v) +
	    o->fmt->extra);
	if (p == NULL)
		return -1;
	len = o->fmt->add(o->oc, tpl, v, p);
	/* The batch holds it until delivered, past this call. */
	*doclen = len;
	*doc = !o->fmt->as_is ? NULL : o->fmt->document != NULL ?
	    o->fmt->document(p, doclen) : p;
	added(o, len, t, gen, off, end);
	return 0;
}

/* Whether the output's records leave [metadata] and labels to the
 * frame (record_tpl_local()). */
int
output_record_local(const struct config_output *oc)
{
	return format_of(oc)->context_apart;
}

/* Whether records need their ids (SPEC "The record": es.id, id_key). */
int
output_wants_ids(const struct output *o)
{
	return o->fmt->ids != NULL && o->fmt->ids(o->oc);
}

/* --- dead letters -------------------------------------------------------- */

/*
 * Records set aside reach the disk before their acknowledgement can move
 * the checkpoint past them; only then are they counted.  -1: they must
 * not be acknowledged (the caller sends them again, and they are set
 * aside again when the backend refuses them again).
 */
static int
dead_sync(struct output *o)
{
	uint64_t	 n = o->dlpending;

	if (n == 0)
		return 0;
	o->dlpending = 0;
	if (fsync(o->dlfd) == -1) {
		log_error("dead_letter %s: fsync: %s", o->oc->dead_letter,
		    strerror(errno));
		return -1;
	}
	o->st.rejected += n;
	return 0;
}

static int
dead_open(struct output *o)
{
	struct stat	 st;
	char		 old[PATH_MAX];

	if (o->dlfd != -1 && o->dlsize < o->oc->dead_letter_max_bytes)
		return 0;
	if (o->dlfd != -1) {
		if (dead_sync(o) == -1)
			return -1;
		close(o->dlfd);
		snprintf(old, sizeof(old), "%s.1", o->oc->dead_letter);
		if (rename(o->oc->dead_letter, old) == -1)
			log_warn("dead_letter: rename to %s: %s", old,
			    strerror(errno));
	}
	o->dlfd = open(o->oc->dead_letter, O_WRONLY | O_APPEND | O_CREAT |
	    O_CLOEXEC, 0640);
	if (o->dlfd != -1 && fstat(o->dlfd, &st) == -1) {
		close(o->dlfd);
		o->dlfd = -1;
	}
	if (o->dlfd == -1) {
		log_error("dead_letter %s: %s", o->oc->dead_letter,
		    strerror(errno));
		return -1;
	}
	o->dlsize = (uint64_t)st.st_size;
	return 0;
}

/*
 * Record i of b is refused for good: it goes to the dead-letter file (the
 * document only, without its action line), or, without one, is only
 * counted.  -1 if the file did not take it whole (full disk): then no
 * torn record stays in the file, and the record must not be
 * acknowledged.
 */
static int
dead_letter(struct output *o, struct batch *b, int i)
{
	struct iovec	 iov[4];
	const char	*rec;
	size_t		 len;
	ssize_t		 n;
	int		 nl, k, j;

	if (*o->oc->dead_letter == '\0') {
		o->st.rejected++;
		return 0;
	}
	if (dead_open(o) == -1)
		return -1;
	rec = batch_record(b, i, &len);
	if (o->fmt->document != NULL)
		rec = o->fmt->document(rec, &len);
	/* A line each, whether or not the format ends its records so. */
	k = 0;
	if (o->fmt->letter_framed)
		iov[k++] = (struct iovec){ (void *)o->frame.head,
		    o->frame.headlen };
	iov[k++] = (struct iovec){ (void *)rec, len };
	if (o->fmt->letter_framed)
		iov[k++] = (struct iovec){ (void *)o->frame.tail,
		    o->frame.taillen };
	nl = iov[k - 1].iov_len == 0 ||
	    ((const char *)iov[k - 1].iov_base)[iov[k - 1].iov_len - 1] != '\n';
	if (nl)
		iov[k++] = (struct iovec){ "\n", 1 };
	for (len = 0, j = 0; j < k; j++)
		len += iov[j].iov_len;
	n = writev(o->dlfd, iov, k);
	if (n == (ssize_t)len) {
		o->dlsize += len;
		o->dlpending++;
		return 0;
	}
	log_error("dead_letter %s: %s", o->oc->dead_letter, n == -1 ?
	    strerror(errno) : "short write");
	if (n > 0 && ftruncate(o->dlfd, (off_t)o->dlsize) == -1)
		log_error("dead_letter %s: cannot cut a torn record: %s",
		    o->oc->dead_letter, strerror(errno));
	return -1;
}

/* --- replies --------------------------------------------------------- */

static void
count_code(struct output *o, int code)
{
	int	 i;

	for (i = 0; i < o->st.ncodes; i++)
		if (o->st.codes[i].code == code) {
			o->st.codes[i].n++;
			return;
		}
	if (o->st.ncodes == OUTPUT_MAX_CODES)
		return;
	o->st.codes[o->st.ncodes].code = code;
	o->st.codes[o->st.ncodes++].n = 1;
}

static uint64_t
jitter(struct output *o, uint64_t max)
{
	o->rnd ^= o->rnd << 13;
	o->rnd ^= o->rnd >> 7;
	o->rnd ^= o->rnd << 17;
	return max ? o->rnd % (max + 1) : 0;
}

/* b goes back to the head of the queue, after a backoff for everyone. */
static void
retry(struct output *o, struct batch *b, int64_t retry_after,
    const char *why)
{
	uint64_t	 cap = o->oc->retry_initial_ms, delay;
	int		 i;

	for (i = 1; i < o->failures && cap < o->oc->retry_max_ms; i++)
		cap *= 2;
	if (cap > o->oc->retry_max_ms)
		cap = o->oc->retry_max_ms;
	o->failures++;
	delay = jitter(o, cap);
	if (retry_after >= 0 && (uint64_t)retry_after * 1000 > delay) {
		delay = (uint64_t)retry_after * 1000;
		o->hold_until = loop_now(o->lp) + delay;
	}
	o->next_try = loop_now(o->lp) + delay;
	o->st.retries++;
	log_warn("POST %s: %s; %d record(s) sent again in %llums (failure %d "
	    "in a row)", o->oc->url, why, batch_records(b),
	    (unsigned long long)delay, o->failures);
	batch_queue_push(&o->q, b, 1);
}

/* The backend is well again; but a Retry-After still holds, even if a
 * request sent before it succeeded. */
static void
healthy(struct output *o)
{
	o->failures = 0;
	o->next_try = o->hold_until > loop_now(o->lp) ? o->hold_until : 0;
}

/* Records acknowledged: counted, and when (the wall clock, for the
 * last delivery's timestamp on /metrics). */
static void
count_delivered(struct output *o, uint64_t n)
{
	struct timespec	 ts;

	o->st.delivered += n;
	if (n > 0 && clock_gettime(CLOCK_REALTIME, &ts) == 0)
		o->st.last_ms = (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000;
}

static void
delivered(struct output *o, struct batch *b, int n)
{
	count_delivered(o, (uint64_t)n);
	healthy(o);
	batch_resolved(b);
}

/* The stream parts of a refused batch are compressed with, or NULL
 * when bodies go uncompressed (it is not set up then). */
static z_stream *
zpart(struct output *o)
{
	return o->oc->compression == COMPRESS_GZIP ? &o->zpart : NULL;
}

/* Two halves go back to the head of the queue, first half first. */
static void
split(struct output *o, struct batch *b, int status)
{
	int	 n = batch_records(b), i, *idx;
	struct batch	*h[2];

	idx = calloc((size_t)n, sizeof(*idx));
	for (i = 0; idx != NULL && i < n; i++)
		idx[i] = i;
	h[0] = idx ? batch_pick(b, idx, n / 2, zpart(o)) : NULL;
	h[1] = idx && h[0] ? batch_pick(b, idx + n / 2, n - n / 2,
	    zpart(o)) : NULL;
	free(idx);
	if (h[1] == NULL) {
		if (h[0] != NULL)
			batch_resolved(h[0]);
		retry(o, b, -1, "out of memory to split a refused batch");
		return;
	}
	log_info("POST %s: %d; splitting %d records in two", o->oc->url,
	    status, n);
	batch_queue_push(&o->q, h[1], 1);
	batch_queue_push(&o->q, h[0], 1);
	batch_resolved(b);
}

static void
refused_alone(struct output *o, struct batch *b, const struct http_resp *r)
{
	char	 ex[OUTPUT_EXCERPT];

	if (dead_letter(o, b, 0) == -1 || dead_sync(o) == -1) {
		retry(o, b, -1, "a refused record could not be written to "
		    "dead_letter");
		return;
	}
	log_warn("POST %s: %d for a single record: %s (%s)", o->oc->url,
	    r->status, *o->oc->dead_letter ? "written to dead_letter" :
	    "dropped; set dead_letter to keep such records",
	    http_excerpt(r, ex, sizeof(ex)));
	healthy(o);
	batch_resolved(b);
}

/* What a 2xx reply says of a batch's records, and what is done. */
struct verdict {
	struct format_reply	 fr;
	int			*again, nagain;	/* to send again, in order */
	int			*dead, ndead;	/* written to dead_letter */
	int			 nok;
	const char		*why;		/* an error type, for the log */
};

static void
verdict_free(struct verdict *v)
{
	free(v->fr.items);
	free(v->fr.why);
	free(v->again);
	free(v->dead);
}

static int
verdict_new(struct verdict *v, int n)
{
	memset(v, 0, sizeof(*v));
	v->fr.n = n;
	v->fr.items = calloc((size_t)n, sizeof(*v->fr.items));
	v->fr.why = calloc((size_t)n, sizeof(*v->fr.why));
	v->again = calloc((size_t)n, sizeof(*v->again));
	v->dead = calloc((size_t)n, sizeof(*v->dead));
	v->why = "";
	if (v->fr.items == NULL || v->fr.why == NULL || v->again == NULL ||
	    v->dead == NULL) {
		verdict_free(v);
		return -1;
	}
	return 0;
}

/* Each record delivered, to send again, or refused for good: set aside,
 * or sent again if the dead-letter file would not take it. */
static void
classify(struct output *o, struct batch *b, struct verdict *v)
{
	int	 i;

	for (i = 0; i < v->fr.n; i++) {
		if (v->fr.items[i] == FORMAT_OK)
			v->nok++;
		else if (v->fr.items[i] == FORMAT_AGAIN ||
		    dead_letter(o, b, i) == -1)
			v->again[v->nagain++] = i;
		else {
			v->why = v->fr.why[i];
			v->dead[v->ndead++] = i;
		}
	}
}

static int
by_index(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The dead letters did not reach the disk: they go again too. */
static void
undead(struct verdict *v)
{
	memcpy(v->again + v->nagain, v->dead, (size_t)v->ndead *
	    sizeof(*v->dead));
	v->nagain += v->ndead;
	v->ndead = 0;
	qsort(v->again, (size_t)v->nagain, sizeof(*v->again), by_index);
}

/* The records to send again go back to the queue; the rest is done. */
static void
settle(struct output *o, struct batch *b, struct verdict *v,
    const struct http_resp *r)
{
	struct batch	*part = NULL;

	if (v->ndead > 0 && dead_sync(o) == -1)
		undead(v);
	if (v->ndead > 0)
		log_warn("POST %s: %d of %d records refused (%s)%s",
		    o->oc->url, v->ndead, batch_records(b), *v->why ? v->why :
		    "no reason given", *o->oc->dead_letter ?
		    "; written to dead_letter" : "");
	if (v->nagain > 0) {
		part = batch_pick(b, v->again, v->nagain, zpart(o));
		if (part == NULL) {
			retry(o, b, -1, "out of memory for records to send "
			    "again");
			return;
		}
	}
	count_delivered(o, (uint64_t)v->nok);
	if (part != NULL)
		retry(o, part, r->retry_after, "some records were not taken "
		    "(429, 5xx, or no room in dead_letter)");
	else
		healthy(o);
	batch_resolved(b);
}

/* Records the backend refused without naming them (a partial success):
 * counted and said, never sent again. */
static void
refused_unnamed(struct output *o, struct batch *b, const struct verdict *v)
{
	int	 n = batch_records(b), k = v->fr.refused;

	if (k > n)
		k = n;
	if (k > 0)
		log_warn("POST %s: %d of %d records refused: %s", o->oc->url,
		    k, n, *v->fr.message ? v->fr.message : "no reason given");
	o->st.rejected += (uint64_t)k;
	delivered(o, b, n - k);
}

/* What the format reads in a 2xx reply. */
static void
format_2xx(struct output *o, struct batch *b, const struct http_resp *r)
{
	struct verdict	 v;

	if (verdict_new(&v, batch_records(b)) == -1) {
		retry(o, b, -1, "out of memory to read a reply");
		return;
	}
	switch (o->fmt->reply(o->oc, r->body, r->bodylen, r->bodytotal >
	    r->bodylen, &v.fr)) {
	case FORMAT_UNREADABLE:
		retry(o, b, -1, "unreadable reply");
		break;
	case FORMAT_HALVE:
		if (batch_records(b) == 1) {
			retry(o, b, -1, "unreadable reply");
			break;
		}
		log_warn("POST %s: a reply of %llu bytes is longer than the "
		    "%zu kept and has errors", o->oc->url,
		    (unsigned long long)r->bodytotal, r->bodylen);
		split(o, b, r->status);
		break;
	case FORMAT_READ:
		if (!v.fr.per_item) {
			refused_unnamed(o, b, &v);
			break;
		}
		classify(o, b, &v);
		settle(o, b, &v, r);
		break;
	}
	verdict_free(&v);
}

static void
reply(struct output *o, struct batch *b, const struct http_resp *r)
{
	char	 why[64 + OUTPUT_EXCERPT], ex[OUTPUT_EXCERPT];

	count_code(o, r->status);
	if (r->status >= 200 && r->status < 300) {
		if (o->fmt->reply != NULL)
			format_2xx(o, b, r);
		else
			delivered(o, b, batch_records(b));
	} else if (o->fmt->error != NULL && o->fmt->error(r->status, r->body,
	    r->bodylen, ex, sizeof(ex)) == FORMAT_ERR_AGAIN) {
		snprintf(why, sizeof(why), "%d %s", r->status, ex);
		retry(o, b, r->retry_after, why);
	} else if ((r->status == 413 || r->status == 400 ||
	    r->status == 422) && batch_records(b) > 1)
		split(o, b, r->status);
	else if (r->status == 413 || r->status == 400 || r->status == 422)
		refused_alone(o, b, r);
	else {
		snprintf(why, sizeof(why), "%d %s", r->status,
		    http_excerpt(r, ex, sizeof(ex)));
		retry(o, b, r->retry_after, why);
	}
}

static void
on_done(void *arg, struct conn *c, enum conn_result res,
    const struct http_resp *r, const char *error)
{
	struct output	*o = arg;
	struct batch	*b = NULL;
	int		 i;

	for (i = 0; i < o->nslots; i++)
		if (o->slots[i].c == c) {
			b = o->slots[i].b;
			o->slots[i].b = NULL;
			break;
		}
	if (b == NULL)
		return;
	if (res == CONN_STALE) {
		log_debug("POST %s: %s on a kept-alive connection; again at "
		    "once", o->oc->url, error);
		batch_queue_push(&o->q, b, 1);
	} else if (res == CONN_FAILED) {
		count_code(o, conn_proxy_status(c) ? OUTPUT_PROXY +
		    conn_proxy_status(c) : 0);
		retry(o, b, -1, error);
	} else
		reply(o, b, r);
	if (o->acked != NULL)
		o->acked(o->acked_arg);
	released(o);
	kick(o);
}

/* --- requests ----------------------------------------------------------- */

/* New connections use new certificates once their files changed. */
/* *cur again from its files if they changed (or it is missing): the
 * old one stays when the new one cannot be made (logged). */
static void
renew_tls(struct tls_conf **cur, struct tls_conf *(*make)(
    const struct config_output *), const struct config_output *oc,
    const char *what)
{
	struct tls_conf	*t;

	if (*cur != NULL && !tls_conf_stale(*cur))
		return;
	t = make(oc);
	if (t == NULL)
		return;
	if (*cur != NULL)
		log_info("tls: %s files changed; new connections use them",
		    what);
	tls_conf_free(*cur);
	*cur = t;
}

static void
refresh_tls(struct output *o)
{
	if ((!o->oc->u.tls && !(o->oc->proxy_on && o->oc->pu.tls)) ||
	    loop_now(o->lp) - o->tls_checked < OUTPUT_CHECK_MS)
		return;
	o->tls_checked = loop_now(o->lp);
	if (o->oc->u.tls)
		renew_tls(&o->tls, tls_conf_new, o->oc, "certificate");
	if (o->oc->proxy_on && o->oc->pu.tls)
		renew_tls(&o->ptls, tls_conf_proxy, o->oc, "the proxy's CA");
}

static int
start(struct output *o, struct slot *s, struct batch *b)
{
	struct http_req	 req;
	const char	*body;
	size_t		 len, headlen;

	/* Its compression failed for memory when it closed. */
	if (!batch_is_ready(b) && batch_close(b) == -1)
		return -1;
	body = batch_body(b, &len);
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.host = o->hostport;
	req.path = o->path;
	req.content_type = o->fmt->content_type;
	req.content_encoding = o->oc->compression == COMPRESS_GZIP ? "gzip" :
	    NULL;
	req.authorization = output_auth_authz(o->auth);
	if (o->oc->proxy_on && !o->oc->u.tls)
		req.proxy_authorization = output_auth_proxy(o->auth);
	conn_proxy_auth(s->c, output_auth_proxy(o->auth));
	conn_proxy_tls(s->c, o->ptls);
	req.headers = output_auth_headers(o->auth, &req.nheaders);
	req.content_length = len;
	headlen = http_request_head(&req, s->head, sizeof(s->head));
	if (headlen == 0) {
		log_error("output: request head longer than %d bytes",
		    OUTPUT_HEAD_MAX);
		return -1;
	}
	s->b = b;
	if (conn_request(s->c, o->tls, s->head, headlen, body, len) == -1) {
		s->b = NULL;
		return -1;
	}
	return 0;
}

static void
retry_timer(void *arg)
{
	kick(arg);
	released(arg);
}

/* Sends queued batches on free connections, unless backing off. */
static void
kick(struct output *o)
{
	uint64_t	 now = loop_now(o->lp);
	struct batch	*b;
	int		 i;

	/* Reloading: what came back to the queue is dropped, not sent. */
	while (o->abandoned && o->q.len > 0)
		batch_drop(batch_queue_pop(&o->q));
	if (o->q.len == 0)
		return;
	if (now < o->next_try) {
		loop_timer_set(o->retry_timer, o->next_try - now);
		return;
	}
	output_auth_refresh(o->auth, loop_now(o->lp));
	refresh_tls(o);
	if (o->oc->u.tls && o->tls == NULL) {
		o->next_try = now + o->oc->retry_max_ms;
		loop_timer_set(o->retry_timer, o->oc->retry_max_ms);
		return;
	}
	for (i = 0; i < o->nslots && o->q.len > 0; i++) {
		if (o->slots[i].b != NULL || conn_is_busy(o->slots[i].c))
			continue;
		b = batch_queue_pop(&o->q);
		if (start(o, &o->slots[i], b) == -1) {
			retry(o, b, -1, "the request could not be started");
			loop_timer_set(o->retry_timer, o->next_try - now);
			break;
		}
	}
}

/* --- set-up ------------------------------------------------------------- */

static int
setup_headers(struct output *o)
{
	const struct config_output	*oc = o->oc;

	o->auth = output_auth_new(oc);
	if (o->auth == NULL)
		return -1;
	if ((oc->u.tls && oc->u.port == 443) || (!oc->u.tls &&
	    oc->u.port == 80))
		snprintf(o->hostport, sizeof(o->hostport), strchr(oc->u.host,
		    ':') ? "[%s]" : "%s", oc->u.host);
	else
		snprintf(o->hostport, sizeof(o->hostport), strchr(oc->u.host,
		    ':') ? "[%s]:%d" : "%s:%d", oc->u.host, oc->u.port);
	return 0;
}

static int
setup_path(struct output *o)
{
	char	*p, *abs;

	p = o->fmt->path != NULL ? o->fmt->path(o->oc) :
	    strdup(o->oc->u.path);
	if (p == NULL)
		return -1;
	/* Through a proxy, an http backend's target is its whole URL. */
	if (o->oc->proxy_on && !o->oc->u.tls) {
		if (asprintf(&abs, "http://%s%s", o->hostport, p) == -1)
			abs = NULL;
		free(p);
		p = abs;
	}
	o->path = p;
	return o->path == NULL ? -1 : 0;
}

static int
setup_zlib(struct output *o)
{
	int	 level = o->oc->compression_level;

	if (o->oc->compression != COMPRESS_GZIP)
		return 0;
	/* 15 + 16: a gzip header and trailer, as Content-Encoding: gzip. */
	if (deflateInit2(&o->zopen, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	if (deflateInit2(&o->zpart, level, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		deflateEnd(&o->zopen);
		return -1;
	}
	o->zinit = 1;
	return 0;
}

static int
setup_slots(struct output *o)
{
	int	 i;

	o->nslots = o->oc->max_in_flight;
	o->slots = calloc((size_t)o->nslots, sizeof(*o->slots));
	if (o->slots == NULL)
		return -1;
	for (i = 0; i < o->nslots; i++) {
		o->slots[i].c = conn_new(o->lp, o->oc, output_reply_cap(o->oc),
		    on_done, o);
		if (o->slots[i].c == NULL)
			return -1;
	}
	return 0;
}

struct output *
output_new(struct loop *lp, const struct config *cfg,
    const struct labels *labels)
{
	struct output	*o;

	o = calloc(1, sizeof(*o));
	if (o == NULL) {
		log_error("output: out of memory");
		return NULL;
	}
	o->lp = lp;
	o->cfg = cfg;
	o->oc = &cfg->output;
	o->fmt = format_of(o->oc);
	if (o->fmt->open != NULL &&
	    (o->fstate = o->fmt->open(cfg, labels, &o->frame)) == NULL) {
		log_error("output: out of memory");
		free(o);
		return NULL;
	}
	o->dlfd = -1;
	o->rnd = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
	    0x9e3779b97f4a7c15ULL;
	o->batch_timer = loop_timer_new(lp, batch_timer, o);
	o->retry_timer = loop_timer_new(lp, retry_timer, o);
	o->pool = batch_pool_new();
	if (o->batch_timer == NULL || o->retry_timer == NULL ||
	    o->pool == NULL ||
	    setup_headers(o) == -1 || setup_path(o) == -1 ||
	    setup_zlib(o) == -1 ||
	    setup_slots(o) == -1) {
		log_error("output: out of memory");
		output_free(o);
		return NULL;
	}
	if (o->oc->u.tls) {
		o->tls = tls_conf_new(o->oc);
		if (o->tls == NULL) {
			output_free(o);
			return NULL;
		}
		o->tls_checked = loop_now(lp);
	}
	if (o->oc->proxy_on && o->oc->pu.tls) {
		o->ptls = tls_conf_proxy(o->oc);
		if (o->ptls == NULL) {
			output_free(o);
			return NULL;
		}
	}
	output_auth_refresh(o->auth, loop_now(o->lp));
	return o;
}

void
output_free(struct output *o)
{
	int	 i;

	if (o == NULL)
		return;
	for (i = 0; o->slots != NULL && i < o->nslots; i++) {
		conn_free(o->slots[i].c);
		batch_drop(o->slots[i].b);
	}
	while (o->q.len > 0)
		batch_drop(batch_queue_pop(&o->q));
	batch_drop(o->open);
	batch_pool_free(o->pool);
	if (o->fmt != NULL && o->fmt->close != NULL)
		o->fmt->close(o->fstate);
	format_buf_free(&o->fjson);
	format_buf_free(&o->fout);
	free(o->slots);
	output_auth_free(o->auth);
	if (o->zinit) {
		deflateEnd(&o->zopen);
		deflateEnd(&o->zpart);
	}
	tls_conf_free(o->tls);
	tls_conf_free(o->ptls);
	loop_timer_free(o->batch_timer);
	loop_timer_free(o->retry_timer);
	if (o->dlfd != -1)
		close(o->dlfd);
	free(o->path);
	free(o);
}

/* The bytes of a reply body kept per connection. */
size_t
output_reply_cap(const struct config_output *oc)
{
	const struct format_ops	*f = format_of(oc);

	return f->reply_max > 0 ? f->reply_max : OUTPUT_REPLY_MAX;
}

/*
 * The most a format that builds records apart (make()) makes of a
 * record whose JSON is json bytes: that JSON escaped into a string
 * (Loki's loki.line = record) is at most twice as long, and each value
 * gets a key (its dotted name's prefix at most FLAT_PREFIX_MAX) and a
 * wrapper ({"key":..,"value":{"intValue":..}}), for at most
 * JSON_MAX_TOKENS values of a JSON line and the template's own.
 */
static size_t
made_max(size_t json)
{
	return 2 * json + (JSON_MAX_TOKENS + 2 * CONFIG_MAX_PAIRS + 16) *
	    (FLAT_PREFIX_MAX + 64);
}

/*
 * What batches may hold past memory_limit: a batch opens while what is
 * held leaves room for its body, and its gzip form grows after; a part
 * cut from a refused batch is a copy beside it; a batch whose body is
 * built as it is sent (Loki's streams) holds that too.  The body is
 * batch_max_bytes, or one record when that is larger.  A format that
 * builds records apart adds its buffers: the record's JSON, the record
 * made, and its parts.
 */
size_t
output_overshoot(const struct config *cfg)
{
	const struct format_ops	*f = format_of(&cfg->output);
	size_t			 body, json, one;

	body = cfg->output.batch_max_bytes;

	json = stages_record_max(cfg) + f->extra + 64 * 1024;
	one = f->make != NULL ? made_max(json) : json;
	if (one > body)
		body = one;
	if (f->make == NULL)
		return 3 * body;
	return 4 * body + json + 2 * made_max(json);
}

void
output_on_ready(struct output *o, output_ready_fn *fn, void *arg)
{
	if (o == NULL)
		return;
	o->ready = fn;
	o->ready_arg = arg;
}

/* Who to tell when a reply came, which may have acknowledged lines. */
void
output_on_ack(struct output *o, output_ready_fn *fn, void *arg)
{
	if (o == NULL)
		return;
	o->acked = fn;
	o->acked_arg = arg;
}

/*
 * A reload: batches not yet sent are dropped unacknowledged (their lines
 * are read again under the new configuration), and no new request
 * starts; those in flight finish (output_in_flight) so that nothing the
 * backend may already hold is sent twice.
 */
void
output_abandon(struct output *o)
{
	batch_drop(o->open);
	o->open = NULL;
	loop_timer_stop(o->batch_timer);
	while (o->q.len > 0)
		batch_drop(batch_queue_pop(&o->q));
	o->abandoned = 1;
}

int
output_in_flight(const struct output *o)
{
	int	 i, n = 0;

	for (i = 0; i < o->nslots; i++)
		n += o->slots[i].b != NULL;
	return n;
}

/* Shutdown: the open batch goes now, not at batch_timeout. */
void
output_flush(struct output *o)
{
	close_open(o);
}

int
output_is_idle(const struct output *o)
{
	int	 i;

	if (o->q.len > 0 || (o->open != NULL && batch_records(o->open) > 0))
		return 0;
	for (i = 0; i < o->nslots; i++)
		if (o->slots[i].b != NULL)
			return 0;
	return 1;
}

void
output_stats(const struct output *o, struct output_stats *st)
{
	*st = o->st;
	st->held = held(o);
}
