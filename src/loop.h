/*
 * loop.h: the one event loop, and the only place sidelog blocks.
 *
 * epoll for descriptors, a sorted list of one-shot timers on the
 * monotonic clock, and one idle hook for work that is ready but bounded
 * per round (reading files).  Handles are freed only after the round
 * that might still dispatch them.  Wider than 12 functions because it
 * has three kinds of handle (descriptors, timers, the idle hook), each
 * with its few verbs.
 */
#ifndef SIDELOG_LOOP_H
#define SIDELOG_LOOP_H

#include <stdint.h>

struct loop;
struct loop_io;
struct loop_timer;

typedef void	loop_io_fn(void *arg, uint32_t events);
typedef void	loop_timer_fn(void *arg);
typedef int	loop_idle_fn(void *arg);	/* 1: more work is ready */

struct loop	*loop_new(void);
void		 loop_free(struct loop *);
int		 loop_run(struct loop *);
void		 loop_stop(struct loop *);
uint64_t	 loop_now(const struct loop *);
void		 loop_set_idle(struct loop *, loop_idle_fn *, void *);
void		 loop_wake(struct loop *);

struct loop_io	*loop_io_add(struct loop *, int fd, uint32_t events,
		    loop_io_fn *, void *);
int		 loop_io_set(struct loop_io *, uint32_t events);
void		 loop_io_del(struct loop_io *);

struct loop_timer *loop_timer_new(struct loop *, loop_timer_fn *, void *);
void		 loop_timer_set(struct loop_timer *, uint64_t ms);
void		 loop_timer_stop(struct loop_timer *);
void		 loop_timer_free(struct loop_timer *);
int		 loop_timer_is_set(const struct loop_timer *);

#endif
