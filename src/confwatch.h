/*
 * confwatch.h: tells when the content of a few files changed: the
 * configuration (a ConfigMap), the Downward API labels file.  Kubernetes
 * updates such volumes by swapping a "..data" symlink, so the watch is
 * on each file's directory, the test is on the content, and a slow
 * periodic re-check covers events that were missed.
 */
#ifndef SIDELOG_CONFWATCH_H
#define SIDELOG_CONFWATCH_H

#include "loop.h"

#define CONFWATCH_MAX		4
#define CONFWATCH_RECHECK_MS	5000

struct confwatch;

typedef void	confwatch_fn(void *arg, const char *path);

struct confwatch *confwatch_new(struct loop *, confwatch_fn *, void *arg);
int		 confwatch_add(struct confwatch *, const char *path);
void		 confwatch_remove(struct confwatch *, const char *path);
void		 confwatch_free(struct confwatch *);

#endif
