/*
 * bulk.h: reading an Elasticsearch/OpenSearch _bulk reply: whether it
 * has errors, and each item's status in request order.
 */
#ifndef SIDELOG_BULK_H
#define SIDELOG_BULK_H

#include <stddef.h>

#define BULK_ERRTYPE	64
/* A reply's bytes kept, and what one item takes at most in it when the
 * request asks for only status and error type (filter_path): the two
 * bound batch_max_records for format = elasticsearch. */
#define BULK_REPLY_MAX	(8 * 1024 * 1024)
#define BULK_ITEM_MAX	128
#define BULK_FILTER	"filter_path=errors,items.*.status,items.*.error.type"

int	bulk_parse(const char *body, size_t len, int *status,
	    char (*errtype)[BULK_ERRTYPE], int n);
int	bulk_errors(const char *body, size_t len);

#endif
