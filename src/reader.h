/*
 * reader.h: the set of followed files.  It turns the watcher's names
 * into tails, matches them to the checkpoint, and lets the pump read the
 * ones with new bytes into the sinks.  Wider than 12 functions because
 * run drives it through every phase: set-up and reload, the pump and its
 * timer, the shutdown drain, the checkpoint's text and the figures.
 */
#ifndef SIDELOG_READER_H
#define SIDELOG_READER_H

#include <stddef.h>
#include <stdint.h>

#include "checkpoint.h"
#include "config.h"
#include "emit.h"
#include "labels.h"
#include "loop.h"
#include "output.h"
#include "stages.h"
#include "watch.h"

struct reader;

#define READER_TICK_MS	100	/* timeouts are checked this often */

/* Figures for metrics and for the shutdown report. */
struct reader_stats {
	uint64_t	 lines;		/* records cut from files */
	uint64_t	 bytes;		/* file bytes those records covered */
	uint64_t	 cut;		/* records without their newline */
	uint64_t	 skipped;	/* bytes lost to truncation */
	uint64_t	 lag;		/* file bytes not yet delivered */
	int		 files;		/* open */
	int		 followed;	/* open or parked */
	int		 refused;	/* not read (refused.c), last scan */
	int		 undelivered;	/* files with bytes not yet delivered */
	int		 at_risk;	/* gone (rotated, deleted), not read out */
	uint64_t	 input_lag[CONFIG_MAX_INPUTS];
	int		 input_files[CONFIG_MAX_INPUTS];
	const struct stage_counts *counts;	/* CONFIG_MAX_INPUTS, by input
						   name (stages.h) */
	uint64_t	 bypassed;	/* bytes of deleted files read past
					   max_read_rate */
};

extern const struct watch_ops reader_watch_ops;

struct reader	*reader_new(struct loop *, const struct config *,
		    const struct labels *, struct checkpoint_entry *, size_t,
		    struct emit *, struct output *);
int		 reader_reconfigure(struct reader *, const struct config *,
		    const struct labels *, struct emit *, struct output *);
void		 reader_drop_sinks(struct reader *);
void		 reader_pause(struct reader *, int);
void		 reader_on_new(struct reader *, void (*)(void *), void *);
void		 reader_on_skip(struct reader *, void (*)(void *), void *);
void		 reader_free(struct reader *);
int		 reader_pump(void *);
void		 reader_kick(void *);
void		 reader_tick(struct reader *);
void		 reader_drain(struct reader *);
int		 reader_all_read(struct reader *);
int		 reader_is_drained(struct reader *);
uint64_t	 reader_quiet_ms(const struct reader *);
char		*reader_checkpoint(struct reader *, size_t *len);
size_t		 reader_buffer_bytes(const struct config *);
void		 reader_stats(struct reader *, struct reader_stats *);

#endif
