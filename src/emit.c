/*
 * emit.c: the stdout sink.
 *
 * Records are encoded straight into one bounded buffer and written with
 * non-blocking writes; a full pipe parks the buffer on EPOLLOUT.  Marks
 * remember which file range each stretch of the buffer came from, so
 * that a range is acknowledged to its tail only once its last byte left
 * through write(2): with stdout as the only sink that is delivery.  A
 * stdout that is gone (EPIPE) cannot be delivered to; that is reported
 * and the caller stops.  A stdout that takes nothing for EMIT_STALL_MS
 * holds back reading, and so every other sink (README, "[stdout]"):
 * that is said when it starts and when it ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "emit.h"
#include "log.h"

#define EMIT_MAX_MARKS	4096
#define EMIT_STALL_MS	5000	/* not a byte taken: a stall, said */

struct mark {
	struct tail	*tail;
	unsigned	 gen;
	uint64_t	 off, end;	/* the file range */
	uint64_t	 pos;		/* stream position just past it */
	uint64_t	 nrec;		/* records in it */
};

struct emit {
	struct loop	*lp;
	int		 fd;
	int		 oflags;	/* fd's flags before us, restored */
	struct loop_io	*io;		/* NULL: a regular file, never blocks */
	int		 waiting;	/* EPOLLOUT armed */
	int		 starved;	/* a reserve failed: call ready */
	int		 broken;
	struct loop_timer *stall;	/* armed while EPOLLOUT is */
	uint64_t	 progress;	/* loop_now() when a write last took,
					   or waiting began */
	int		 stalled;	/* said: its end will be too */
	emit_ready_fn	*ready;
	void		*arg;
	emit_ready_fn	*acked;		/* lines were acknowledged */
	void		*acked_arg;
	char		*buf;
	size_t		 cap, start, fill;	/* unwritten: buf[start, fill) */
	uint64_t	 written;	/* stream position written so far */
	uint64_t	 committed;	/* stream position committed so far */
	struct mark	*marks;		/* ring */
	size_t		 mhead, mcount;
	uint64_t	 delivered;	/* records written out */
};

static void	writable(void *, uint32_t);
static void	stall_check(void *);

struct emit *
emit_new(struct loop *lp, int fd, size_t cap)
{
	struct emit	*e;

	e = calloc(1, sizeof(*e));
	if (e != NULL) {
		e->buf = malloc(cap);
		e->marks = calloc(EMIT_MAX_MARKS, sizeof(*e->marks));
		e->stall = loop_timer_new(lp, stall_check, e);
	}
	if (e == NULL || e->buf == NULL || e->marks == NULL ||
	    e->stall == NULL) {
		log_error("stdout: out of memory for a %zu byte buffer", cap);
		emit_free(e);
		return NULL;
	}
	e->lp = lp;
	e->fd = fd;
	e->cap = cap;
	e->oflags = fcntl(fd, F_GETFL);
	if (e->oflags != -1)
		fcntl(fd, F_SETFL, e->oflags | O_NONBLOCK);
	e->io = loop_io_add(lp, fd, 0, writable, e);
	return e;
}

/* Who to tell when a full buffer has room again. */
void
emit_on_ready(struct emit *e, emit_ready_fn *fn, void *arg)
{
	if (e == NULL)
		return;
	e->ready = fn;
	e->arg = arg;
}

/* Who to tell when lines were acknowledged. */
void
emit_on_ack(struct emit *e, emit_ready_fn *fn, void *arg)
{
	if (e == NULL)
		return;
	e->acked = fn;
	e->acked_arg = arg;
}

void
emit_free(struct emit *e)
{
	if (e == NULL)
		return;
	loop_io_del(e->io);
	loop_timer_free(e->stall);
	if (e->oflags != -1)
		fcntl(e->fd, F_SETFL, e->oflags);
	free(e->buf);
	free(e->marks);
	free(e);
}

/* Room for need bytes at the end of the buffer, or NULL: stdout is
 * behind and reading must wait for ready(). */
char *
emit_reserve(struct emit *e, size_t need)
{
	if (e->broken)
		return NULL;
	if (e->cap - e->fill < need && e->start > 0) {
		memmove(e->buf, e->buf + e->start, e->fill - e->start);
		e->fill -= e->start;
		e->start = 0;
	}
	if (e->cap - e->fill < need || e->mcount == EMIT_MAX_MARKS) {
		e->starved = 1;
		return NULL;
	}
	return e->buf + e->fill;
}

/* len bytes at the reserved place are [off, end) of the tail's file. */
void
emit_commit(struct emit *e, size_t len, struct tail *t, unsigned gen,
    uint64_t off, uint64_t end)
{
	struct mark	*m = NULL;

	e->fill += len;
	e->committed += len;
	if (e->mcount > 0)
		m = &e->marks[(e->mhead + e->mcount - 1) % EMIT_MAX_MARKS];
	if (m != NULL && m->tail == t && m->gen == gen && m->end == off) {
		m->end = end;
		m->pos = e->committed;
		m->nrec++;
		return;
	}
	m = &e->marks[(e->mhead + e->mcount++) % EMIT_MAX_MARKS];
	m->tail = t;
	m->gen = gen;
	m->off = off;
	m->end = end;
	m->pos = e->committed;
	m->nrec = 1;
	tail_ref(t);
}

static void
ack_written(struct emit *e)
{
	struct mark	*m;
	size_t		 before = e->mcount;

	while (e->mcount > 0) {
		m = &e->marks[e->mhead];
		if (m->pos > e->written)
			break;
		tail_ack(m->tail, TAIL_SINK_STDOUT, m->gen, m->off, m->end);
		e->delivered += m->nrec;
		e->mhead = (e->mhead + 1) % EMIT_MAX_MARKS;
		e->mcount--;
	}
	if (e->mcount < before && e->acked != NULL)
		e->acked(e->acked_arg);
}

/* Nobody read stdout for EMIT_STALL_MS: said once, its end too. */
static void
stall_check(void *arg)
{
	struct emit	*e = arg;
	uint64_t	 idle = loop_now(e->lp) - e->progress;

	if (!e->waiting)
		return;
	if (idle < EMIT_STALL_MS) {
		loop_timer_set(e->stall, EMIT_STALL_MS - idle);
		return;
	}
	log_warn("stdout: not read for %llus; reading waits for it, for "
	    "every sink", (unsigned long long)idle / 1000);
	e->stalled = 1;
}

static void
took(struct emit *e)
{
	uint64_t	 now = loop_now(e->lp);

	if (e->stalled)
		log_info("stdout: read again after %llums; reading goes on",
		    (unsigned long long)(now - e->progress));
	e->stalled = 0;
	e->progress = now;
}

static void
wait_writable(struct emit *e, int on)
{
	if (e->io == NULL || e->waiting == on)
		return;
	if (loop_io_set(e->io, on ? EPOLLOUT : 0) == 0)
		e->waiting = on;
	if (on) {
		e->progress = loop_now(e->lp);
		loop_timer_set(e->stall, EMIT_STALL_MS);
	} else
		loop_timer_stop(e->stall);
}

static void
wake_reader(struct emit *e)
{
	if (e->starved && e->ready != NULL) {
		e->starved = 0;
		e->ready(e->arg);
	}
}

/* Writes what stdout takes now.  -1 once stdout is gone for good. */
int
emit_flush(struct emit *e)
{
	uint64_t	 before = e->written;
	ssize_t		 n;

	while (!e->broken && e->fill > e->start) {
		n = write(e->fd, e->buf + e->start, e->fill - e->start);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			wait_writable(e, 1);
			if (e->written > before)
				wake_reader(e);
			return 0;
		}
		if (n == -1) {
			log_error("stdout: %s: records cannot be delivered",
			    strerror(errno));
			e->broken = 1;
			return -1;
		}
		e->start += (size_t)n;
		e->written += (uint64_t)n;
		took(e);
		ack_written(e);
	}
	if (e->fill == e->start)
		e->start = e->fill = 0;
	wait_writable(e, 0);
	wake_reader(e);
	return e->broken ? -1 : 0;
}

static void
writable(void *arg, uint32_t events)
{
	struct emit	*e = arg;

	emit_flush(e);
}

size_t
emit_held(const struct emit *e)
{
	return e->fill - e->start;
}

int
emit_is_broken(const struct emit *e)
{
	return e->broken;
}

uint64_t
emit_delivered(const struct emit *e)
{
	return e->delivered;
}
