/*
 * loop.c: epoll, timers and the idle hook.
 *
 * One iteration, in this order: wait (not at all when the idle hook has
 * work left, else until the next timer) -> dispatch ready descriptors ->
 * run due timers -> run the idle hook once -> free the handles deleted
 * during the round.  Timers live in a list sorted by deadline: sidelog
 * has a handful (checkpoint, poll, batches, shutdown), so an O(n) insert
 * is cheaper than a heap's bookkeeping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"

#define LOOP_MAX_EVENTS	64

struct loop_io {
	struct loop	*lp;
	int		 fd;
	loop_io_fn	*fn;
	void		*arg;
	int		 dead;
	struct loop_io	*next_dead;
};

struct loop_timer {
	struct loop		*lp;
	loop_timer_fn		*fn;
	void			*arg;
	uint64_t		 due;		/* loop_now() ms */
	int			 armed;
	struct loop_timer	*next;		/* in lp->timers when armed */
};

struct loop {
	int			 epfd;
	int			 running;
	uint64_t		 now;
	struct loop_timer	*timers;	/* armed, earliest first */
	struct loop_io		*dead;		/* to free after the round */
	loop_idle_fn		*idle;
	void			*idle_arg;
	int			 busy;		/* idle hook has work left */
};

static uint64_t
clock_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct loop *
loop_new(void)
{
	struct loop	*lp;

	lp = calloc(1, sizeof(*lp));
	if (lp == NULL) {
		log_error("loop: out of memory");
		return NULL;
	}
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->epfd == -1) {
		log_error("epoll_create1: %s", strerror(errno));
		free(lp);
		return NULL;
	}
	lp->now = clock_ms();
	return lp;
}

static void
free_dead(struct loop *lp)
{
	struct loop_io	*io;

	while (lp->dead != NULL) {
		io = lp->dead;
		lp->dead = io->next_dead;
		free(io);
	}
}

void
loop_free(struct loop *lp)
{
	if (lp == NULL)
		return;
	free_dead(lp);
	close(lp->epfd);
	free(lp);
}

uint64_t
loop_now(const struct loop *lp)
{
	return lp->now;
}

void
loop_stop(struct loop *lp)
{
	lp->running = 0;
}

void
loop_set_idle(struct loop *lp, loop_idle_fn *fn, void *arg)
{
	lp->idle = fn;
	lp->idle_arg = arg;
}

/* Work became ready outside the idle hook: do not sleep before it runs. */
void
loop_wake(struct loop *lp)
{
	lp->busy = 1;
}

struct loop_io *
loop_io_add(struct loop *lp, int fd, uint32_t events, loop_io_fn *fn,
    void *arg)
{
	struct loop_io		*io;
	struct epoll_event	 ev;

	io = calloc(1, sizeof(*io));
	if (io == NULL) {
		log_error("loop: out of memory");
		return NULL;
	}
	io->lp = lp;
	io->fd = fd;
	io->fn = fn;
	io->arg = arg;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = io;
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		/* EPERM: a regular file, always ready; the caller decides. */
		free(io);
		return NULL;
	}
	return io;
}

int
loop_io_set(struct loop_io *io, uint32_t events)
{
	struct epoll_event	 ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = io;
	if (epoll_ctl(io->lp->epfd, EPOLL_CTL_MOD, io->fd, &ev) == -1) {
		log_error("epoll_ctl fd %d: %s", io->fd, strerror(errno));
		return -1;
	}
	return 0;
}

/* The fd stays the caller's to close, after this call. */
void
loop_io_del(struct loop_io *io)
{
	if (io == NULL || io->dead)
		return;
	epoll_ctl(io->lp->epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->dead = 1;
	io->next_dead = io->lp->dead;
	io->lp->dead = io;
}

struct loop_timer *
loop_timer_new(struct loop *lp, loop_timer_fn *fn, void *arg)
{
	struct loop_timer	*t;

	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		log_error("loop: out of memory");
		return NULL;
	}
	t->lp = lp;
	t->fn = fn;
	t->arg = arg;
	return t;
}

void
loop_timer_stop(struct loop_timer *t)
{
	struct loop_timer	**pp;

	if (t == NULL || !t->armed)
		return;
	for (pp = &t->lp->timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	t->armed = 0;
}

/* Arms t to fire once, ms from now; re-arming moves it. */
void
loop_timer_set(struct loop_timer *t, uint64_t ms)
{
	struct loop_timer	**pp;

	loop_timer_stop(t);
	t->due = clock_ms() + ms;
	for (pp = &t->lp->timers; *pp != NULL && (*pp)->due <= t->due;
	    pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	t->armed = 1;
}

int
loop_timer_is_set(const struct loop_timer *t)
{
	return t->armed;
}

void
loop_timer_free(struct loop_timer *t)
{
	loop_timer_stop(t);
	free(t);
}

static int
wait_ms(const struct loop *lp)
{
	uint64_t	 due;

	if (lp->busy)
		return 0;
	if (lp->timers == NULL)
		return -1;
	due = lp->timers->due;
	if (due <= lp->now)
		return 0;
	return due - lp->now > 60000 ? 60000 : (int)(due - lp->now);
}

static void
run_timers(struct loop *lp)
{
	struct loop_timer	*t;

	/* A callback may re-arm its timer: take each one off first. */
	while (lp->timers != NULL && lp->timers->due <= lp->now) {
		t = lp->timers;
		lp->timers = t->next;
		t->armed = 0;
		t->fn(t->arg);
	}
}

static int
dispatch(struct loop *lp)
{
	struct epoll_event	 ev[LOOP_MAX_EVENTS];
	struct loop_io		*io;
	int			 n, i;

	n = epoll_wait(lp->epfd, ev, LOOP_MAX_EVENTS, wait_ms(lp));
	lp->now = clock_ms();
	if (n == -1) {
		if (errno == EINTR)
			return 0;
		log_error("epoll_wait: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		io = ev[i].data.ptr;
		if (!io->dead)
			io->fn(io->arg, ev[i].events);
	}
	return 0;
}

int
loop_run(struct loop *lp)
{
	lp->running = 1;
	while (lp->running) {
		if (dispatch(lp) == -1)
			return -1;
		run_timers(lp);
		lp->busy = 0;
		/* loop_wake() from inside the hook counts too. */
		if (lp->idle != NULL && lp->running &&
		    lp->idle(lp->idle_arg))
			lp->busy = 1;
		free_dead(lp);
	}
	return 0;
}
