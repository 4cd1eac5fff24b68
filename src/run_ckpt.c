/*
 * run_ckpt.c: when the checkpoint is saved.
 *
 * Saved when acknowledgements move (the sinks say), at once if the last
 * save is checkpoint_interval old or there was none since the start,
 * else when it is: a sidelog killed soon after it started keeps what it
 * delivered, and an idle one writes nothing.  A new file is saved at
 * once too, so that it can be found again if it is rotated away while
 * sidelog is down.  The writer thread does the writing (checkpoint.c);
 * the last save, at exit, is written here, on the loop.
 */
#include <sys/epoll.h>

#include "checkpoint.h"
#include "reader.h"
#include "run_int.h"

static int
save(struct run *r, int here)
{
	char	*text;
	size_t	 len;
	int	 rc;

	text = reader_checkpoint(r->rd, &len);
	if (text == NULL) {
		r->save_errors++;
		return -1;
	}
	if (!here && checkpoint_queue(r->ck, text, len) == 0)
		return 0;	/* counted when written: saved() */
	rc = checkpoint_write(r->ck, text, len);
	if (rc == 0) {
		r->saves++;
		r->saving_since = 0;
	} else
		r->save_errors++;
	return rc;
}

static void	saved(void *, uint32_t);

void
run_ckpt_timer(void *arg)
{
	struct run	*r = arg;

	/* Only a save for acknowledgements counts against the interval: the
	 * one for a new file must not hold back the first after a start. */
	if (r->ack_pending) {
		r->last_save = loop_now(r->lp);
		r->saved_once = 1;
		r->ack_pending = 0;
	}
	if (r->saving_since == 0)
		r->saving_since = r->unsaved_since;
	r->unsaved_since = 0;
	save(r, 0);
	if (r->ckio == NULL && checkpoint_fd(r->ck) != -1)
		r->ckio = loop_io_add(r->lp, checkpoint_fd(r->ck), EPOLLIN,
		    saved, r);
}

/* The writer ended writes; a failure is tried again an interval on. */
static void
saved(void *arg, uint32_t events)
{
	struct run	*r = arg;
	int		 ok, failed;

	failed = checkpoint_results(r->ck, &ok);
	r->saves += (uint64_t)ok;
	r->save_errors += (uint64_t)failed;
	if (ok > 0 && failed == 0)
		r->saving_since = 0;
	if (failed > 0 && r->phase != DONE)
		loop_timer_set(r->ckpt, r->cfg->checkpoint_interval_ms);
}

/* A sink acknowledged lines. */
void
run_ckpt_acked(void *arg)
{
	struct run	*r = arg;
	uint64_t	 since, every = r->cfg->checkpoint_interval_ms;

	r->ack_pending = 1;
	if (r->unsaved_since == 0)
		r->unsaved_since = loop_now(r->lp);
	if (r->phase == DONE || loop_timer_is_set(r->ckpt))
		return;
	since = loop_now(r->lp) - r->last_save;
	loop_timer_set(r->ckpt, r->saved_once && since < every ?
	    every - since : 0);
}

/* A new file: its entry is saved now, so that it can be found again if
 * it is rotated away while sidelog is down. */
void
run_ckpt_joined(void *arg)
{
	struct run	*r = arg;

	if (r->phase != DONE)
		loop_timer_set(r->ckpt, 0);
}

/* The last save, at exit: written here and now.  -1 if it failed. */
int
run_ckpt_final(struct run *r)
{
	return save(r, 1);
}
