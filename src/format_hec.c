/*
 * format_hec.c: `format = splunk_hec`, HTTP Event Collector envelopes
 * for /services/collector/event, one a line: {"time":SECONDS.MICROS,
 * "host":..,"source":PATH,"sourcetype":..,"index":..,"event":MESSAGE,
 * "fields":{..}}.
 *
 * time is the record's (or, when that is not an RFC 3339 time, when it
 * was read, the text kept in fields); host the pod (id_seed); source the
 * file; index only when hec.index is set; event the message as it is in
 * the record (a string, or a JSON line's own value); fields every other
 * record key by dotted name, each value a string, since HEC's indexed
 * fields are flat.  A 2xx takes the whole batch.  HEC's error replies
 * ({"text":..,"code":N}) are logged as they come; 503 (code 9, busy) is
 * retried like any 5xx, 400 (code 6, 12, 13: a bad event) bisected.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flat.h"
#include "format.h"
#include "json.h"
#include "timestamp.h"

#define HEC_TIME	48	/* {"time":18446744073.709551, */

struct hec {
	struct format_buf	 fields;	/* a record's fields */
};

struct rec {
	const struct format_in	*in;
	struct format_buf	*fields;
	uint64_t		 time;
	const char		*event;
	size_t			 eventlen;
};

static int
leaf(void *arg, const struct flat_leaf *l)
{
	struct rec			*r = arg;
	const struct config_output	*oc = r->in->oc;

	if (r->time == 0 && flat_time(l, oc->time_key, &r->time))
		return 0;
	if (r->event == NULL && flat_key_is(l, oc->message_key)) {
		r->event = l->value;
		r->eventlen = l->len;
		return 0;
	}
	if (*oc->file_key != '\0' && flat_key_is(l, oc->file_key))
		return 0;	/* the source */
	return format_put_member(r->fields, l) == -1 ? -1 :
	    format_put_text(r->fields, l->value, l->len);
}

/* {"time":SECONDS.MICROS, at out: its length. */
static size_t
hec_time(char *out, uint64_t ns)
{
	uint64_t	 us = ns / 1000 % 1000000;
	size_t		 n = sizeof("{\"time\":") - 1;
	int		 i;

	memcpy(out, "{\"time\":", n);
	n += record_u64(out + n, ns / 1000000000);
	out[n++] = '.';
	for (i = 5; i >= 0; i--, us /= 10)
		out[n + (size_t)i] = (char)('0' + us % 10);
	out[n + 6] = ',';
	return n + 7;
}

static int
make(const struct format_in *in, struct format_buf *out)
{
	const struct config_output	*oc = in->oc;
	const struct record_vals	*v = in->v;
	struct hec			*st = in->state;
	struct rec			 r = { in, &st->fields, 0, NULL, 0 };
	char				*p;
	size_t				 n;

	p = format_room(in->json, record_max(in->tpl, v));
	if (p == NULL)
		return -1;
	n = record_encode(in->tpl, v, p) - 1;
	st->fields.len = 0;
	if (flat_walk(p, n, in->oc->message_key, leaf, &r) == -1)
		return -1;
	if (r.time == 0)
		timestamp_rfc3339(v->time, RECORD_TIME_LEN, &r.time);
	if ((p = format_room(out, HEC_TIME)) == NULL)
		return -1;
	out->len += hec_time(p, r.time);
	if (FORMAT_PUT(out, "\"host\":") == -1 ||
	    format_put_string(out, oc->id_seed, strlen(oc->id_seed)) == -1 ||
	    FORMAT_PUT(out, ",\"source\":") == -1 ||
	    format_put_string(out, v->path, v->pathlen) == -1 ||
	    FORMAT_PUT(out, ",\"sourcetype\":") == -1 ||
	    format_put_string(out, oc->hec_sourcetype,
	    strlen(oc->hec_sourcetype)) == -1)
		return -1;
	if (*oc->hec_index != '\0' && (FORMAT_PUT(out, ",\"index\":") == -1 ||
	    format_put_string(out, oc->hec_index, strlen(oc->hec_index)) == -1))
		return -1;
	if (FORMAT_PUT(out, ",\"event\":") == -1 || (r.event != NULL ?
	    format_put(out, r.event, r.eventlen) :
	    FORMAT_PUT(out, "\"\"")) == -1)
		return -1;
	if (st->fields.len > 0 && (FORMAT_PUT(out, ",\"fields\":{") == -1 ||
	    format_put(out, st->fields.p, st->fields.len) == -1 ||
	    FORMAT_PUT(out, "}") == -1))
		return -1;
	return FORMAT_PUT(out, "}\n");
}

static void
close_hec(void *arg)
{
	struct hec	*st = arg;

	if (st == NULL)
		return;
	format_buf_free(&st->fields);
	free(st);
}

static void *
open_hec(const struct config *cfg, const struct labels *lb,
    struct batch_frame *f)
{
	return calloc(1, sizeof(struct hec));
}

/*
 * HEC's error body, {"text":"..","code":N,"invalid-event-number":M}:
 * read for the log.  Codes 6, 12, 13 and 15 (invalid data format, event
 * field required or blank, bad indexed fields) are about events: 400
 * bisects to them.  A 400 with another code is about HEC or its setup
 * (7 incorrect index, 10 and 11 data channel, 9 server busy): the events
 * are sent again, not set aside.  Other statuses keep their meaning.
 */
int
format_hec_error(const char *body, size_t len, int *code, char *text,
    size_t textlen)
{
	struct json_cur	 c;
	const char	*k, *s;
	size_t		 kl, sl;
	uint64_t	 n = UINT64_MAX;
	int		 i = 0, rc;

	*code = -1;
	*text = '\0';
	json_cur_init(&c, body, len, 1024);
	if (json_enter(&c, '{') == -1)
		return -1;
	while ((rc = json_member(&c, &i, &k, &kl)) == 1) {
		if (kl == 4 && memcmp(k, "code", 4) == 0) {
			if (json_uint(&c, 1000, &n) == -1)
				return -1;
		} else if (kl == 4 && memcmp(k, "text", 4) == 0 &&
		    json_peek(&c) == '"') {
			if (json_string(&c, &s, &sl) == -1)
				return -1;
			snprintf(text, textlen, "%.*s", (int)sl, s);
		} else if (json_skip(&c) == -1)
			return -1;
	}
	if (rc == -1 || n == UINT64_MAX)
		return -1;
	*code = (int)n;
	return 0;
}

static enum format_err
error(int status, const char *body, size_t len, char *why, size_t whylen)
{
	char	 text[128];
	int	 code;

	if (format_hec_error(body, len, &code, text, sizeof(text)) == -1)
		return FORMAT_ERR_STATUS;
	snprintf(why, whylen, "HEC code %d: %s", code, text);
	if (status != 400 || code == 6 || code == 12 || code == 13 ||
	    code == 15)
		return FORMAT_ERR_STATUS;
	return FORMAT_ERR_AGAIN;
}

const struct format_ops format_splunk_hec = {
	.name = "splunk_hec",
	.content_type = "application/json",
	.open = open_hec,
	.close = close_hec,
	.make = make,
	.error = error,
};
