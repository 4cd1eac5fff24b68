/*
 * run_int.h: the running process's state, shared by the files of `run`
 * and nobody else: run.c (set-up, phases, shutdown: the only one that
 * changes the phase), run_reload.c (reconfiguration), run_wire.c (what
 * the configuration wires up), run_ckpt.c (when the checkpoint is saved)
 * and run_metrics.c (/metrics).  Wider than 12 functions because it is
 * the door between those files, grouped by the file that defines them.
 */
#ifndef SIDELOG_RUN_INT_H
#define SIDELOG_RUN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "config.h"
#include "confwatch.h"
#include "emit.h"
#include "labels.h"
#include "loop.h"
#include "metrics.h"
#include "output.h"
#include "reader.h"
#include "watch.h"

enum phase { RUNNING, RELOAD, GRACE, DRAIN, DONE };

struct run {
	struct config		*cfg;
	struct loop		*lp;
	struct checkpoint	*ck;
	struct emit		*emit;
	struct output		*out;
	struct reader		*rd;
	struct watch		*w;
	struct metrics		*m;
	struct confwatch	*cw;
	struct labels		*labels;
	int			 sfd;
	struct loop_io		*sio;
	struct loop_timer	*ckpt, *tick, *phase_timer, *deadline;
	enum phase		 phase;
	int			 status;	/* exit status */
	struct loop_io		*ckio;		/* the checkpoint writer's */
	uint64_t		 last_save;	/* loop time of the last one */
	int			 saved_once;
	int			 ack_pending;	/* since the last save */
	/* Loop times of the oldest acknowledgement the checkpoint does not
	 * hold yet: not in a save, and in a save not known written (0:
	 * none), for sidelog_checkpoint_age_seconds. */
	uint64_t		 unsaved_since, saving_since;
	uint64_t		 saves, save_errors;
	struct config		*next;		/* RELOAD: the new configuration */
	struct labels		*next_labels;
	uint64_t		 reload_until;	/* RELOAD: stop waiting then */
	int			 again;		/* RELOAD: a change came
						   meanwhile */
	uint64_t		 reloads, reload_errors;
	struct output_stats	 gone;		/* counters of the sinks
						   reloads freed */
};

/* run_wire.c */
int	run_sinks(struct run *, const struct config *,
	    const struct labels *, struct emit **,
	    struct output **);
int	run_attach(struct run *);
void	run_detach(struct run *);

/* run_reload.c */
int	run_reload(struct run *, const char *why, int force);
int	run_reload_step(struct run *);
int	run_reload_finish(struct run *);
void	run_reload_cancel(struct run *);

/* run_metrics.c */
void	run_collect(void *, struct metrics_buf *);
void	run_keep_counters(struct run *);

/* run_ckpt.c */
void	run_ckpt_timer(void *);
void	run_ckpt_acked(void *);
void	run_ckpt_joined(void *);
int	run_ckpt_final(struct run *);

#endif
