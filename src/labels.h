/*
 * labels.h: the Downward API labels file (key="Go-quoted value" lines)
 * as the pairs record.c puts under kubernetes.labels.
 */
#ifndef SIDELOG_LABELS_H
#define SIDELOG_LABELS_H

#include "config.h"

#define LABELS_MAX		256
#define LABELS_MAX_FILE		(256 * 1024)

struct labels {
	struct config_pair	*pairs;
	int			 n;
	char			*store;		/* the keys and values */
};

struct labels	*labels_load(const char *path);
struct labels	*labels_parse(const char *text, size_t len);
void		 labels_free(struct labels *);

#endif
