/*
 * format_loki.c: `format = loki`, the Loki push API in JSON:
 * {"streams":[{"stream":{LABELS},"values":[["NS","LINE",{METADATA}]]}]}.
 *
 * A record's stream is the values of the record keys loki.labels names,
 * as labels whose names are made Loki's ([a-zA-Z_][a-zA-Z0-9_]*, other
 * bytes '_'); a record with none of them gets job="sidelog", since a
 * stream needs a label.  Its time is the record's (or, when that is not
 * an RFC 3339 time, when it was read, the text kept as metadata), in
 * nanoseconds as a string; its line the message (loki.line = message)
 * or the whole record (record); every other record key is structured
 * metadata, by dotted name, its value as a string.
 *
 * Each record is written as a stream of its own, so that it stands alone
 * when a refused batch is split; group() merges a batch's records into
 * one stream per label set as it is sent, each stream's values in time
 * order, as Loki wants them.  A 2xx takes the whole batch; 400 is final
 * for the records it names, found by bisection as for ndjson.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "flat.h"
#include "format.h"
#include "json.h"
#include "timestamp.h"

#define LOKI_HEAD	"{\"streams\":["
#define LOKI_TAIL	"]}"
#define LOKI_VALUES	"},\"values\":["
#define LOKI_NOLABEL	"\"job\":\"sidelog\""

struct label {
	const char	*key;		/* the record key, dotted */
	char		*name;		/* made Loki's */
};

struct loki {
	struct label		 labels[LOKI_LABELS_MAX];
	int			 n;
	enum loki_line		 line;
	char			*keys;		/* loki.labels, cut */
	struct format_buf	 meta;		/* a record's metadata */
};

/* What one record's walk finds. */
struct rec {
	const struct format_in	*in;
	struct loki		*st;
	const char		*value[LOKI_LABELS_MAX];	/* raw JSON */
	size_t			 len[LOKI_LABELS_MAX];
	uint64_t		 time;		/* 0: not found */
	const char		*line;		/* raw JSON, or NULL */
	size_t			 linelen;
};

static int
leaf(void *arg, const struct flat_leaf *l)
{
	struct rec			*r = arg;
	const struct config_output	*oc = r->in->oc;
	int				 i;

	if (r->time == 0 && flat_time(l, oc->time_key, &r->time))
		return 0;
	for (i = 0; i < r->st->n; i++)
		if (r->value[i] == NULL &&
		    flat_key_is(l, r->st->labels[i].key)) {
			r->value[i] = l->value;
			r->len[i] = l->len;
			return 0;
		}
	if (r->st->line == LOKI_LINE_RECORD)
		return 0;
	if (r->line == NULL && flat_key_is(l, oc->message_key)) {
		r->line = l->value;
		r->linelen = l->len;
		return 0;
	}
	return format_put_member(&r->st->meta, l) == -1 ? -1 :
	    format_put_text(&r->st->meta, l->value, l->len);
}

/* {"stream":{...}: the labels found, in loki.labels' order; one whose
 * value is empty is no label (as in Prometheus). */
static int
stream(struct format_buf *out, const struct rec *r)
{
	int	 i, n = 0;

	if (FORMAT_PUT(out, "{\"stream\":{") == -1)
		return -1;
	for (i = 0; i < r->st->n; i++) {
		if (r->value[i] == NULL || *r->value[i] == 'n' ||
		    (r->len[i] == 2 && *r->value[i] == '"'))
			continue;
		if ((n++ > 0 && FORMAT_PUT(out, ",") == -1) ||
		    FORMAT_PUT(out, "\"") == -1 ||
		    format_put(out, r->st->labels[i].name,
		    strlen(r->st->labels[i].name)) == -1 ||
		    FORMAT_PUT(out, "\":") == -1 ||
		    format_put_text(out, r->value[i], r->len[i]) == -1)
			return -1;
	}
	return n == 0 && FORMAT_PUT(out, LOKI_NOLABEL) == -1 ? -1 : 0;
}

static int
make(const struct format_in *in, struct format_buf *out)
{
	struct loki	*st = in->state;
	struct rec	 r;
	char		 ns[24], *p;
	size_t		 n;

	memset(&r, 0, sizeof(r));
	r.in = in;
	r.st = st;
	p = format_room(in->json, record_max(in->tpl, in->v));
	if (p == NULL)
		return -1;
	n = record_encode(in->tpl, in->v, p) - 1;	/* its newline */
	st->meta.len = 0;
	if (flat_walk(p, n, in->oc->message_key, leaf, &r) == -1)
		return -1;
	if (r.time == 0)
		timestamp_rfc3339(in->v->time, RECORD_TIME_LEN, &r.time);
	if (st->line == LOKI_LINE_RECORD) {
		r.line = p;
		r.linelen = n;
	}
	if (stream(out, &r) == -1 || FORMAT_PUT(out, LOKI_VALUES "[\"") == -1 ||
	    format_put(out, ns, record_u64(ns, r.time)) == -1 ||
	    FORMAT_PUT(out, "\",") == -1 ||
	    (r.line != NULL ? format_put_text(out, r.line, r.linelen) :
	    FORMAT_PUT(out, "\"\"")) == -1)
		return -1;
	if (st->meta.len > 0 && (FORMAT_PUT(out, ",{") == -1 ||
	    format_put(out, st->meta.p, st->meta.len) == -1 ||
	    FORMAT_PUT(out, "}") == -1))
		return -1;
	return FORMAT_PUT(out, "]]}");
}

/* --- a batch's records, one stream per label set ---------------------- */

struct ent {
	uint64_t	 ts;
	int		 grp, rec;
	const char	*value;		/* ["NS","LINE",{..}] */
	size_t		 len;
};

struct grp {
	const char	*stream;	/* {"stream":{..} */
	size_t		 len;
	uint64_t	 hash;
};

static int
by_stream_then_time(const void *a, const void *b)
{
	const struct ent	*x = a, *y = b;

	if (x->grp != y->grp)
		return x->grp < y->grp ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static uint64_t
fnv(const char *p, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;

	while (len-- > 0)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	return h;
}

/* Record i's parts: its stream ({"stream":{..}) and its value. */
static int
parts(const char *rec, size_t len, struct ent *e, struct grp *g)
{
	const char	*v, *d;

	v = memmem(rec, len, LOKI_VALUES, sizeof(LOKI_VALUES) - 1);
	if (v == NULL || len < 4)
		return -1;
	g->stream = rec;
	g->len = (size_t)(v + 1 - rec);
	g->hash = fnv(rec, g->len);
	e->value = v + sizeof(LOKI_VALUES) - 1;
	e->len = (size_t)(rec + len - 2 - e->value);	/* less "]}" */
	for (e->ts = 0, d = e->value + 2; *d >= '0' && *d <= '9'; d++)
		e->ts = e->ts * 10 + (uint64_t)(*d - '0');
	return 0;
}

/* Each record's group, by its stream: an open-addressed table. */
static int
assign(struct ent *e, int n, struct grp *g, int *ng)
{
	size_t		 cap = 16, i, j;
	int		*slot, k;
	struct grp	 cur;

	while (cap < 2 * (size_t)n)
		cap *= 2;
	slot = malloc(cap * sizeof(*slot));
	if (slot == NULL)
		return -1;
	memset(slot, -1, cap * sizeof(*slot));
	*ng = 0;
	for (k = 0; k < n; k++) {
		cur = g[k];	/* parts() wrote record k's stream there */
		for (i = cur.hash & (cap - 1);; i = (i + 1) & (cap - 1)) {
			if (slot[i] == -1) {
				slot[i] = *ng;
				g[(*ng)++] = cur;
				e[k].grp = slot[i];
				break;
			}
			j = (size_t)slot[i];
			if (g[j].hash == cur.hash && g[j].len == cur.len &&
			    memcmp(g[j].stream, cur.stream, cur.len) == 0) {
				e[k].grp = (int)j;
				break;
			}
		}
	}
	free(slot);
	return 0;
}

/*
 * The body as sent: the frame's head, each label set's stream once with
 * its values in time order (ties in the batch's order), the tail.
 * Never longer than the records as they stand.  -1: out of memory.
 */
static ssize_t
group(const char *raw, const uint32_t *ends, int n,
    const struct batch_frame *f, char *out)
{
	struct ent	*e = calloc((size_t)n, sizeof(*e));
	struct grp	*g = calloc((size_t)n, sizeof(*g));
	char		*o = out;
	size_t		 start = f->headlen;
	int		 i, ng;

	if (e == NULL || g == NULL)
		goto fail;
	for (i = 0; i < n; i++) {
		if (parts(raw + start, ends[i] - start, &e[i], &g[i]) == -1)
			goto fail;
		e[i].rec = i;
		start = ends[i] + f->seplen;
	}
	if (assign(e, n, g, &ng) == -1)
		goto fail;
	qsort(e, (size_t)n, sizeof(*e), by_stream_then_time);
	memcpy(o, f->head, f->headlen);
	o += f->headlen;
	for (i = 0; i < n; i++) {
		if (i == 0 || e[i].grp != e[i - 1].grp) {
			if (i > 0) {
				memcpy(o, "]},", 3);
				o += 3;
			}
			memcpy(o, g[e[i].grp].stream, g[e[i].grp].len);
			o += g[e[i].grp].len;
			memcpy(o, &LOKI_VALUES[1], sizeof(LOKI_VALUES) - 2);
			o += sizeof(LOKI_VALUES) - 2;
		} else
			*o++ = ',';
		memcpy(o, e[i].value, e[i].len);
		o += e[i].len;
	}
	if (n > 0) {
		memcpy(o, "]}", 2);
		o += 2;
	}
	memcpy(o, f->tail, f->taillen);
	o += f->taillen;
	free(e);
	free(g);
	return o - out;
fail:
	free(e);
	free(g);
	return -1;
}

/* --- set-up ------------------------------------------------------------ */

/*
 * A record key as a Loki label name: bytes outside [a-zA-Z0-9_] become
 * '_', and a leading digit gets a '_' before it.  Its length (0: the
 * key is empty), at most cap - 1.
 */
size_t
format_loki_name(const char *key, char *out, size_t cap)
{
	size_t	 n = 0;
	char	 c;

	if (*key >= '0' && *key <= '9' && n + 1 < cap)
		out[n++] = '_';
	for (; *key != '\0' && n + 1 < cap; key++) {
		c = *key;
		out[n++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' ? c : '_';
	}
	out[n] = '\0';
	return n;
}

static void
close_loki(void *arg)
{
	struct loki	*st = arg;
	int		 i;

	if (st == NULL)
		return;
	for (i = 0; i < st->n; i++)
		free(st->labels[i].name);
	free(st->keys);
	format_buf_free(&st->meta);
	free(st);
}

static void *
open_loki(const struct config *cfg, const struct labels *lb,
    struct batch_frame *f)
{
	struct loki	*st = calloc(1, sizeof(*st));
	char		*k, *next, name[LOKI_NAME_MAX];

	if (st == NULL || (st->keys = strdup(cfg->output.loki_labels)) == NULL)
		goto fail;
	st->line = cfg->output.loki_line;
	for (k = st->keys; k != NULL && st->n < LOKI_LABELS_MAX; k = next) {
		next = strchr(k, ',');
		if (next != NULL)
			*next++ = '\0';
		k += strspn(k, " \t");
		k[strcspn(k, " \t")] = '\0';
		if (format_loki_name(k, name, sizeof(name)) == 0)
			continue;
		st->labels[st->n].key = k;
		if ((st->labels[st->n++].name = strdup(name)) == NULL)
			goto fail;
	}
	f->head = LOKI_HEAD;
	f->headlen = sizeof(LOKI_HEAD) - 1;
	f->sep = ",";
	f->seplen = 1;
	f->tail = LOKI_TAIL;
	f->taillen = sizeof(LOKI_TAIL) - 1;
	f->group = group;
	return st;
fail:
	close_loki(st);
	return NULL;
}

const struct format_ops format_loki = {
	.name = "loki",
	.content_type = "application/json",
	.letter_framed = 1,
	.open = open_loki,
	.close = close_loki,
	.make = make,
};
