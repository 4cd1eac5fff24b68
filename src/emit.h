/*
 * emit.h: the stdout re-emitter ([stdout] in SPEC): records written to
 * sidelog's own stdout, so `kubectl logs` and node agents see them too.
 * Bounded: when stdout blocks, emit_reserve() fails and reading stalls.
 */
#ifndef SIDELOG_EMIT_H
#define SIDELOG_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "tail_ack.h"

#define EMIT_MIN_CAP	(1024 * 1024)

struct emit;

typedef void	emit_ready_fn(void *arg);

struct emit	*emit_new(struct loop *, int fd, size_t cap);
void		 emit_on_ready(struct emit *, emit_ready_fn *, void *);
void		 emit_on_ack(struct emit *, emit_ready_fn *, void *);
void		 emit_free(struct emit *);
char		*emit_reserve(struct emit *, size_t need);
void		 emit_commit(struct emit *, size_t len, struct tail *,
		    unsigned gen, uint64_t off, uint64_t end);
int		 emit_flush(struct emit *);
size_t		 emit_held(const struct emit *);
int		 emit_is_broken(const struct emit *);
uint64_t	 emit_delivered(const struct emit *);

#endif
