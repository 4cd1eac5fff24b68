/*
 * format_buf.c: the growable buffer the formats that rebuild a record
 * (otlp, loki, splunk_hec) write it in: kept by the output, grown to the
 * largest record seen, so that building a record allocates nothing once
 * it has seen its like.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"

/* Room for n more bytes at the end of b, or NULL (memory). */
char *
format_room(struct format_buf *b, size_t n)
{
	size_t	 cap;
	char	*p;

	if (b->cap - b->len >= n)
		return b->p + b->len;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		return NULL;
	b->p = p;
	b->cap = cap;
	return p + b->len;
}

int
format_put(struct format_buf *b, const char *s, size_t n)
{
	char	*p = format_room(b, n);

	if (p == NULL)
		return -1;
	memcpy(p, s, n);
	b->len += n;
	return 0;
}

/* s, len bytes of text that is not JSON yet, as a JSON string. */
int
format_put_string(struct format_buf *b, const char *s, size_t len)
{
	char	*p = format_room(b, len * 6 + 2);

	if (p == NULL)
		return -1;
	*p = '"';
	b->len += record_escape(p + 1, s, len) + 2;
	b->p[b->len - 1] = '"';
	return 0;
}

/* A JSON value as a JSON string: a string as it is, anything else (a
 * number, true, an object) its text, escaped and quoted. */
int
format_put_text(struct format_buf *b, const char *v, size_t len)
{
	return *v == '"' ? format_put(b, v, len) :
	    format_put_string(b, v, len);
}

/* "dotted.key": of a leaf, after a comma unless b is empty. */
int
format_put_member(struct format_buf *b, const struct flat_leaf *l)
{
	char	*k;

	if ((b->len > 0 ? FORMAT_PUT(b, ",\"") : FORMAT_PUT(b, "\"")) == -1 ||
	    (k = format_room(b, flat_key_len(l))) == NULL)
		return -1;
	b->len = (size_t)(flat_key_put(k, l) - b->p);
	return FORMAT_PUT(b, "\":");
}

void
format_buf_free(struct format_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
