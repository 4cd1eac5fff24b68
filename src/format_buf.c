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

void
format_buf_free(struct format_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}
