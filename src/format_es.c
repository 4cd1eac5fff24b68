/*
 * format_es.c: `format = elasticsearch`, the _bulk API: each record an
 * action line ({"create":{"_index":..,"_id":..}}) and its document; a
 * 2xx reply says, item by item, what was stored (bulk.c reads it).
 * Requests ask for only what is read of the reply (filter_path), so that
 * it stays short; one longer than what is kept of it still says whether
 * it has errors, before its items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bulk.h"
#include "format.h"

#define ES_ACTION_MAX	512	/* an action line: see action() */

_Static_assert(FORMAT_WHY == BULK_ERRTYPE, "bulk_parse fills format_reply");

/* "2026-11-22T08:00:00..." -> struct tm; 0 if it is not that shape. */
static int
parse_time(const char *s, size_t len, struct tm *tm)
{
	int	 v[6], i, j, pos[6][2] = { { 0, 4 }, { 5, 2 }, { 8, 2 },
		    { 11, 2 }, { 14, 2 }, { 17, 2 } };

	if (s == NULL || len < 19)
		return 0;
	for (i = 0; i < 6; i++)
		for (v[i] = 0, j = 0; j < pos[i][1]; j++) {
			char c = s[pos[i][0] + j];

			if (c < '0' || c > '9')
				return 0;
			v[i] = v[i] * 10 + (c - '0');
		}
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = v[0] - 1900;
	tm->tm_mon = v[1] - 1;
	tm->tm_mday = v[2];
	tm->tm_hour = v[3];
	tm->tm_min = v[4];
	tm->tm_sec = v[5];
	return 1;
}

/* The action line before a document: its index from the record's time
 * (the line's own, else when it was read). */
static size_t
action(const struct config_output *oc, const struct record_vals *v,
    char *out)
{
	char		 index[64];
	struct tm	 tm;
	size_t		 n, ilen;

	if (!parse_time(v->line->time, v->line->timelen, &tm))
		parse_time(v->time, RECORD_TIME_LEN, &tm);
	/* 64 bytes: escaped six-fold it still fits ES_ACTION_MAX. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* es.index's conversions were checked by config_check.c. */
	ilen = strftime(index, sizeof(index), oc->es_index, &tm);
#pragma GCC diagnostic pop
	n = (size_t)snprintf(out, ES_ACTION_MAX, "{\"%s\":{\"_index\":\"",
	    oc->es_action == ES_CREATE ? "create" : "index");
	n += record_escape(out + n, index, ilen);
	if (oc->es_id == ES_ID_AUTO && v->id != NULL)
		n += (size_t)snprintf(out + n, ES_ACTION_MAX - n,
		    "\",\"_id\":\"%s", v->id);
	memcpy(out + n, "\"}}\n", 4);
	return n + 4;
}

static size_t
add(const struct config_output *oc, const struct record_tpl *tpl,
    const struct record_vals *v, char *out)
{
	size_t	 n = action(oc, v, out);

	return n + record_encode(tpl, v, out + n);
}

/* Ask for only what is read of the reply (a reply for 10,000 items is
 * then ~300 KB, not ~4 MB), unless the URL asks on its own. */
static char *
path(const struct config_output *oc)
{
	const char	*p = oc->u.path;
	char		*s;

	if (strstr(p, "filter_path=") != NULL)
		return strdup(p);
	if (asprintf(&s, "%s%c%s", p, strchr(p, '?') ? '&' : '?',
	    BULK_FILTER) == -1)
		return NULL;
	return s;
}

/* Per item: stored (409 on create: it already was), again, or refused. */
static enum format_item
item(const struct config_output *oc, int status)
{
	if ((status >= 200 && status < 300) || (status == 409 &&
	    oc->es_action == ES_CREATE))
		return FORMAT_OK;
	if (status == 429 || status >= 500)
		return FORMAT_AGAIN;
	return FORMAT_REFUSED;
}

static enum format_read
reply(const struct config_output *oc, const char *body, size_t len,
    int cut_short, struct format_reply *r)
{
	int	*st;
	int	 i, rc;

	if (cut_short)
		return bulk_errors(body, len) == 0 ? FORMAT_READ :
		    FORMAT_HALVE;
	st = calloc((size_t)r->n, sizeof(*st));
	if (st == NULL)
		return FORMAT_UNREADABLE;
	rc = bulk_parse(body, len, st, r->why, r->n);
	for (i = 0; rc == 0 && i < r->n; i++)
		r->items[i] = item(oc, st[i]);
	free(st);
	r->per_item = rc == 0;
	return rc == 0 ? FORMAT_READ : FORMAT_UNREADABLE;
}

/* The document, without its action line. */
static const char *
document(const char *rec, size_t *len)
{
	const char	*nl = memchr(rec, '\n', *len);

	if (nl == NULL)
		return rec;
	*len -= (size_t)(nl + 1 - rec);
	return nl + 1;
}

/* es.id = auto: each action names its document by the record's id. */
static int
ids(const struct config_output *oc)
{
	return oc->es_id == ES_ID_AUTO;
}

const struct format_ops format_elasticsearch = {
	.name = "elasticsearch",
	.as_is = 1,
	.content_type = "application/x-ndjson",
	.extra = ES_ACTION_MAX,
	.reply_max = BULK_REPLY_MAX,
	.ids = ids,
	.path = path,
	.add = add,
	.reply = reply,
	.document = document,
};
