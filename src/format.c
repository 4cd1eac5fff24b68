/*
 * format.c: which format a configuration's [output] speaks.  A new
 * format is a file of its own (format_NAME.c, its ops table) and one line
 * here.
 */
#include <stdlib.h>
#include <string.h>

#include "format.h"

static const struct format_ops *const formats[] = {
	[FORMAT_NDJSON] = &format_ndjson,
	[FORMAT_ELASTICSEARCH] = &format_elasticsearch,
	[FORMAT_OTLP] = &format_otlp,
	[FORMAT_LOKI] = &format_loki,
	[FORMAT_SPLUNK_HEC] = &format_splunk_hec,
};

const struct format_ops *
format_of(const struct config_output *oc)
{
	return formats[oc->format];
}

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
