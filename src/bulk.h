/*
 * bulk.h: reading an Elasticsearch/OpenSearch _bulk reply: whether it
 * has errors, and each item's status in request order.
 */
#ifndef SIDELOG_BULK_H
#define SIDELOG_BULK_H

#include <stddef.h>

#define BULK_ERRTYPE	64

int	bulk_parse(const char *body, size_t len, int *status,
	    char (*errtype)[BULK_ERRTYPE], int n);

#endif
