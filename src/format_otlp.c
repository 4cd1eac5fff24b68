/*
 * format_otlp.c: `format = otlp`, an OTLP/HTTP JSON
 * ExportLogsServiceRequest (opentelemetry-proto logs/v1) written by the
 * OTLP specification's JSON mapping: lowerCamelCase names, 64-bit
 * integers as decimal strings, enums as numbers.
 *
 * One resource a request, its attributes [metadata] (each dotted name as
 * the key) and the labels (k8s.pod.label.NAME), and one scope, sidelog
 * with its version: the frame.  Each record is a LogRecord: the record's
 * time (timeUnixNano; omitted, which OTLP reads as unknown, when it is
 * not an RFC 3339 time, then kept as an attribute), when it was read
 * (observedTimeUnixNano), the message as the body, and the rest of the
 * record as attributes by dotted name: log.file.path, log.record.uid
 * (the id), the input's fields, a parsed line's members; level.key's
 * severity as severityNumber and severityText.  JSON values
 * become AnyValues: a string stringValue, an integer intValue, another
 * number doubleValue, an array arrayValue, an object kvlistValue.
 *
 * A 2xx reply's partialSuccess names how many records were refused:
 * counted and logged, never sent again (the spec: the client MUST NOT
 * retry them).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flat.h"
#include "format.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "timestamp.h"

#define OTLP_HEAD	"{\"resourceLogs\":[{\"resource\":" \
			"{\"attributes\":["
#define OTLP_SCOPE	"]},\"scopeLogs\":[{\"scope\":" \
			"{\"name\":\"sidelog\",\"version\":\"" \
			SIDELOG_VERSION "\"},\"logRecords\":["
#define OTLP_TAIL	"]}]}]}"
#define OTLP_NUM_MAX	64	/* bytes of a number read as a double */

struct otlp {
	struct format_buf	 head;	/* the frame's: the resource */
	struct format_buf	 attrs;	/* a record's attributes */
};

/* What one record's walk finds and writes. */
struct rec {
	const struct format_in	*in;
	struct format_buf	*attrs;
	uint64_t		 time;	/* 0: unknown */
	const char		*body;	/* raw JSON, or NULL */
	size_t			 bodylen;
};

static int	any(struct format_buf *, struct json_cur *);

/* v in decimal. */
static int
put_u64(struct format_buf *b, uint64_t v)
{
	char	*p = format_room(b, 20);

	if (p == NULL)
		return -1;
	b->len += record_u64(p, v);
	return 0;
}

/* The number at the cursor: an integer that int64 holds as intValue,
 * else a finite double as doubleValue, else its text as stringValue. */
static int
number(struct format_buf *b, struct json_cur *c)
{
	const char	*s = c->p;
	char		 tmp[OTLP_NUM_MAX + 1], *end;
	size_t		 len;
	double		 d;

	if (json_skip(c) == -1)
		return -1;
	len = (size_t)(c->p - s);
	if (len > OTLP_NUM_MAX)
		goto text;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	if (strpbrk(tmp, ".eE") == NULL) {
		(void)strtoll(tmp, &end, 10);
		if (errno == 0 && *end == '\0')
			return FORMAT_PUT(b, "{\"intValue\":\"") == -1 ||
			    format_put(b, tmp, len) == -1 ? -1 :
			    FORMAT_PUT(b, "\"}");
	}
	d = strtod(tmp, &end);
	if (*end == '\0' && isfinite(d))
		return FORMAT_PUT(b, "{\"doubleValue\":") == -1 ||
		    format_put(b, tmp, len) == -1 ? -1 : FORMAT_PUT(b, "}");
text:
	return FORMAT_PUT(b, "{\"stringValue\":\"") == -1 ||
	    format_put(b, s, len) == -1 ? -1 : FORMAT_PUT(b, "\"}");
}

/* {"key":K,"value":...} for each member of the object entered. */
static int
kvlist(struct format_buf *b, struct json_cur *c)
{
	const char	*k;
	size_t		 kl;
	int		 i = 0, rc;

	if (FORMAT_PUT(b, "{\"kvlistValue\":{\"values\":[") == -1)
		return -1;
	while ((rc = json_member(c, &i, &k, &kl)) == 1)
		if ((i > 1 && FORMAT_PUT(b, ",") == -1) ||
		    FORMAT_PUT(b, "{\"key\":\"") == -1 ||
		    format_put(b, k, kl) == -1 ||
		    FORMAT_PUT(b, "\",\"value\":") == -1 || any(b, c) == -1 ||
		    FORMAT_PUT(b, "}") == -1)
			return -1;
	return rc == -1 ? -1 : FORMAT_PUT(b, "]}}");
}

static int
array(struct format_buf *b, struct json_cur *c)
{
	int	 i = 0, rc;

	if (FORMAT_PUT(b, "{\"arrayValue\":{\"values\":[") == -1)
		return -1;
	while ((rc = json_element(c, &i, ']')) == 1)
		if ((i > 1 && FORMAT_PUT(b, ",") == -1) || any(b, c) == -1)
			return -1;
	return rc == -1 ? -1 : FORMAT_PUT(b, "]}}");
}

/* The JSON value at the cursor as an AnyValue. */
static int
any(struct format_buf *b, struct json_cur *c)
{
	const char	*s;
	size_t		 len;
	int		 v;

	switch (json_peek(c)) {
	case '"':
		return json_string(c, &s, &len) == -1 ||
		    FORMAT_PUT(b, "{\"stringValue\":\"") == -1 ||
		    format_put(b, s, len) == -1 ? -1 : FORMAT_PUT(b, "\"}");
	case 't':
	case 'f':
		return json_bool(c, &v) == -1 ? -1 : v ?
		    FORMAT_PUT(b, "{\"boolValue\":true}") :
		    FORMAT_PUT(b, "{\"boolValue\":false}");
	case 'n':
		return json_skip(c) == -1 ? -1 : FORMAT_PUT(b, "{}");
	case '[':
		return json_enter(c, '[') == -1 ? -1 : array(b, c);
	case '{':
		return json_enter(c, '{') == -1 ? -1 : kvlist(b, c);
	default:
		return number(b, c);
	}
}

/* The raw JSON text [s, s+len) as an AnyValue. */
static int
any_of(struct format_buf *b, const char *s, size_t len)
{
	struct json_cur	 c;

	json_cur_init(&c, s, len, INT_MAX);
	return any(b, &c);
}

/* {"key":"<name>","value": after a comma unless it is the first. */
static int
attr_open(struct format_buf *b, const char *key, size_t keylen)
{
	return (b->len > 0 && FORMAT_PUT(b, ",") == -1) ||
	    FORMAT_PUT(b, "{\"key\":\"") == -1 ||
	    format_put(b, key, keylen) == -1 ?
	    -1 : FORMAT_PUT(b, "\",\"value\":");
}

/* The same, named by a leaf's dotted key. */
static int
attr_leaf(struct format_buf *b, const struct flat_leaf *l)
{
	char	*p;

	if ((b->len > 0 && FORMAT_PUT(b, ",") == -1) ||
	    FORMAT_PUT(b, "{\"key\":\"") == -1 ||
	    (p = format_room(b, flat_key_len(l))) == NULL)
		return -1;
	b->len = (size_t)(flat_key_put(p, l) - b->p);
	return FORMAT_PUT(b, "\",\"value\":");
}

static int
leaf(void *arg, const struct flat_leaf *l)
{
	struct rec			*r = arg;
	const struct config_output	*oc = r->in->oc;
	int				 rc;

	if (r->time == 0 && flat_time(l, oc->time_key, &r->time))
		return 0;
	if (r->body == NULL && flat_key_is(l, oc->message_key)) {
		r->body = l->value;
		r->bodylen = l->len;
		return 0;
	}
	if (*oc->id_key != '\0' && flat_key_is(l, oc->id_key))
		return 0;	/* log.record.uid says it */
	if (r->in->v->parsed != NULL && r->in->v->parsed->level != NULL &&
	    flat_key_is(l, "log.level"))
		return 0;	/* the severity says it */
	if (*oc->file_key != '\0' && flat_key_is(l, oc->file_key))
		rc = attr_open(r->attrs, "log.file.path", 13);
	else
		rc = attr_leaf(r->attrs, l);
	return rc == -1 || any_of(r->attrs, l->value, l->len) == -1 ? -1 :
	    FORMAT_PUT(r->attrs, "}");
}

/*
 * level.key's severity: severityNumber when sidelog knows the level,
 * severityText the level as the application wrote it (the spec's "as it
 * is known at the source"), or log.level's name when it wrote a number.
 */
static int
severity(struct format_buf *out, const struct parsed *p)
{
	char	 num[16];

	if (p == NULL || p->level == NULL)
		return 0;
	if (p->severity > 0) {
		snprintf(num, sizeof(num), "%d", p->severity);
		if (FORMAT_PUT(out, ",\"severityNumber\":") == -1 ||
		    format_put(out, num, strlen(num)) == -1)
			return -1;
	}
	return FORMAT_PUT(out, ",\"severityText\":") == -1 ||
	    (p->level_src != NULL ? format_put(out, p->level_src,
	    p->level_srclen) : format_put(out, p->level, p->levellen)) == -1 ?
	    -1 : 0;
}

static int
make(const struct format_in *in, struct format_buf *out)
{
	struct otlp	*st = in->state;
	struct rec	 r = { in, &st->attrs, 0, NULL, 0 };
	const struct record_vals *v = in->v;
	char		*p;
	size_t		 n;
	uint64_t	 seen = 0;

	p = format_room(in->json, record_max(in->tpl, v));
	if (p == NULL)
		return -1;
	n = record_encode(in->tpl, v, p);
	st->attrs.len = 0;
	if (v->id != NULL && (attr_open(&st->attrs, "log.record.uid", 14) ==
	    -1 || FORMAT_PUT(&st->attrs, "{\"stringValue\":\"") == -1 ||
	    format_put(&st->attrs, v->id, strlen(v->id)) == -1 ||
	    FORMAT_PUT(&st->attrs, "\"}}") == -1))
		return -1;
	if (flat_walk(p, n - 1, in->oc->message_key, leaf, &r) == -1)
		return -1;
	timestamp_rfc3339(v->time, RECORD_TIME_LEN, &seen);
	/* timeUnixNano left out (0): unknown, as OTLP reads it. */
	if (FORMAT_PUT(out, "{") == -1 || (r.time != 0 &&
	    (FORMAT_PUT(out, "\"timeUnixNano\":\"") == -1 ||
	    put_u64(out, r.time) == -1 || FORMAT_PUT(out, "\",") == -1)) ||
	    FORMAT_PUT(out, "\"observedTimeUnixNano\":\"") == -1 ||
	    put_u64(out, seen) == -1 || FORMAT_PUT(out, "\"") == -1)
		return -1;
	if (severity(out, v->parsed) == -1)
		return -1;
	if (r.body != NULL && (FORMAT_PUT(out, ",\"body\":") == -1 ||
	    any_of(out, r.body, r.bodylen) == -1))
		return -1;
	return FORMAT_PUT(out, ",\"attributes\":[") == -1 ||
	    format_put(out, st->attrs.p, st->attrs.len) == -1 ?
	    -1 : FORMAT_PUT(out, "]}");
}

/* {"key":"<prefix><key>","value":{"stringValue":"<value>"}}, the key
 * and value escaped, after a comma but for the first. */
static int
attr_str(struct format_buf *b, const char *prefix, const char *key,
    const char *value)
{
	char	*p;

	if ((b->len > sizeof(OTLP_HEAD) - 1 && FORMAT_PUT(b, ",") == -1) ||
	    FORMAT_PUT(b, "{\"key\":\"") == -1 ||
	    format_put(b, prefix, strlen(prefix)) == -1 ||
	    (p = format_room(b, strlen(key) * 6)) == NULL)
		return -1;
	b->len += record_escape(p, key, strlen(key));
	return FORMAT_PUT(b, "\",\"value\":{\"stringValue\":") == -1 ||
	    format_put_string(b, value, strlen(value)) == -1 ? -1 :
	    FORMAT_PUT(b, "}}");
}

/* The resource: [metadata], then the labels as k8s.pod.label.NAME. */
static int
resource(struct format_buf *b, const struct config *cfg,
    const struct labels *lb)
{
	int	 i;

	if (FORMAT_PUT(b, OTLP_HEAD) == -1)
		return -1;
	for (i = 0; i < cfg->nmetadata; i++)
		if (*cfg->metadata[i].value != '\0' && attr_str(b, "",
		    cfg->metadata[i].key, cfg->metadata[i].value) == -1)
			return -1;
	for (i = 0; lb != NULL && i < lb->n; i++)
		if (attr_str(b, "k8s.pod.label.", lb->pairs[i].key,
		    lb->pairs[i].value) == -1)
			return -1;
	return FORMAT_PUT(b, OTLP_SCOPE);
}

static void
close_otlp(void *arg)
{
	struct otlp	*st = arg;

	if (st == NULL)
		return;
	format_buf_free(&st->head);
	format_buf_free(&st->attrs);
	free(st);
}

static void *
open_otlp(const struct config *cfg, const struct labels *lb,
    struct batch_frame *f)
{
	struct otlp	*st = calloc(1, sizeof(*st));

	if (st == NULL || resource(&st->head, cfg, lb) == -1) {
		close_otlp(st);
		return NULL;
	}
	f->head = st->head.p;
	f->headlen = st->head.len;
	f->sep = ",";
	f->seplen = 1;
	f->tail = OTLP_TAIL;
	f->taillen = sizeof(OTLP_TAIL) - 1;
	return st;
}

/* {"partialSuccess":{"rejectedLogRecords":"N","errorMessage":"..."}} */
static int
partial(struct json_cur *c, struct format_reply *r)
{
	const char	*k, *s;
	size_t		 kl, len;
	uint64_t	 n;
	int		 i = 0, rc;

	if (json_enter(c, '{') == -1)
		return -1;
	while ((rc = json_member(c, &i, &k, &kl)) == 1) {
		if (kl == 18 && memcmp(k, "rejectedLogRecords", 18) == 0) {
			if (json_uint(c, INT_MAX, &n) == -1)
				return -1;
			r->refused = (int)n;
		} else if (kl == 12 && memcmp(k, "errorMessage", 12) == 0 &&
		    json_peek(c) == '"') {
			if (json_string(c, &s, &len) == -1)
				return -1;
			if (len >= sizeof(r->message))
				len = sizeof(r->message) - 1;
			memcpy(r->message, s, len);
			r->message[len] = '\0';
		} else if (json_skip(c) == -1)
			return -1;
	}
	return rc;
}

/*
 * An ExportLogsServiceResponse.  One that cannot be read is taken as
 * the success its status says, with a warning: the records were taken
 * (a server that answers 2xx and refuses records says so in
 * partialSuccess), and sending them again would only duplicate them.
 */
static enum format_read
reply(const struct config_output *oc, const char *body, size_t len,
    int cut_short, struct format_reply *r)
{
	struct json_cur	 c;
	const char	*k;
	size_t		 kl;
	int		 i = 0, rc;

	json_cur_init(&c, body, len, INT_MAX);
	if (json_peek(&c) == -1)
		return FORMAT_READ;	/* no body: all taken */
	if (json_enter(&c, '{') == -1)
		goto unread;
	while ((rc = json_member(&c, &i, &k, &kl)) == 1) {
		if (kl == 14 && memcmp(k, "partialSuccess", 14) == 0)
			rc = partial(&c, r);
		else
			rc = json_skip(&c);
		if (rc == -1)
			break;
	}
	if (rc == 0 || r->refused > 0)
		return FORMAT_READ;
unread:
	if (!cut_short)
		log_warn("POST %s: a 2xx reply that is not an "
		    "ExportLogsServiceResponse; taken as all delivered",
		    oc->url);
	return FORMAT_READ;
}

static int
ids(const struct config_output *oc)
{
	return 1;
}

const struct format_ops format_otlp = {
	.name = "otlp",
	.content_type = "application/json",
	.reply_max = 16 * 1024,
	.context_apart = 1,
	.letter_framed = 1,
	.ids = ids,
	.open = open_otlp,
	.close = close_otlp,
	.make = make,
	.reply = reply,
};
