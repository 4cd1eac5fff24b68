/*
 * reader_int.h: the reader's state, shared by reader.c (which files) and
 * reader_pump.c (reading them) and nobody else.
 */
#ifndef SIDELOG_READER_INT_H
#define SIDELOG_READER_INT_H

#include "line.h"
#include "parse.h"
#include "reader.h"
#include "stages.h"
#include "tail.h"

/*
 * Files followed at most, open or not: a tail costs about 500 bytes and
 * a checkpoint line.  Of them at most READER_MAX_OPEN are open at once,
 * and fewer when RLIMIT_NOFILE, less what the rest of sidelog may need
 * (READER_FD_RESERVE, plus two per connection), leaves fewer.
 */
#define READER_MAX_TAILS	65536
#define READER_MAX_OPEN		4096
#define READER_MIN_OPEN		4
#define READER_FD_RESERVE	64	/* stdio, epoll, signalfd, inotify,
					   checkpoint, listener and its 16
					   clients, dead letter, TLS files */
#define READER_READ_AHEAD	(64 * 1024)	/* bytes per read past a record */
#define READER_LINGER_MS	5000	/* a rotated file may still be written */
#define READER_RATE_WINDOW_MS	500	/* growth rates are averaged over */
#define READER_FIRST_HOLD_MS	100	/* the longest hold until one is
					   known */

/* How much of a tail's unconsumed bytes to cut into records now. */
enum rflush {
	RFLUSH_NONE,		/* complete records only */
	RFLUSH_LINES,		/* also a pending multiline record */
	RFLUSH_ALL,		/* everything, a last line without newline too */
};

struct rtail {
	struct tail	*t;
	int		 dirty;		/* may have bytes to read (or, parked,
					   must be opened to know) */
	int		 seen;		/* reported by the scan under way */
	enum rflush	 flush;
	uint64_t	 last_growth;	/* loop_now() when it last grew */
	uint64_t	 last_size;
	struct line_pending pend;	/* a multiline record not complete yet:
					   valid while its offset is the read
					   offset, in generation pend_gen;
					   cleared by a reload */
	unsigned	 pend_gen;
};

struct rinput {
	struct line_cfg		 lcfg;
	struct ere		*re;	/* multiline.start; NULL: none */
	struct stages		*st;	/* filter, redact, parse */
	uint64_t		 rate;	/* max_read_rate, bytes/s; 0: none */
	int64_t			 tokens;	/* bytes it may read now; may
						   go below 0 by one read */
	uint64_t		 filled;	/* loop_now() of the last refill */
	struct record_tpl	*tpl;
	struct record_tpl	*otpl;	/* the output's: tpl, or without
					   [metadata] and labels when its
					   format carries them apart */
};

struct reader {
	struct loop		*lp;
	const struct config	*cfg;
	struct emit		*emit;
	struct output		*out;
	unsigned		 sinks;		/* bits of enum tail_sink */
	struct rinput		*inputs;
	struct stage_counts	 counts[CONFIG_MAX_INPUTS];	/* by input
							   name, across
							   reloads */
	struct parsed		*parsed;	/* the record being encoded */
	struct rtail		*tails;		/* READER_MAX_TAILS at most */
	int			 ntails, captails;
	int			 nopen;		/* tails not parked */
	int			 max_open;	/* from RLIMIT_NOFILE */
	int			 next;		/* round-robin start */
	int			 blocked;	/* a sink is full */
	int			 no_memory;	/* blocked by a failed allocation */
	int			 paused;	/* a reload empties the sinks */
	int			 draining;	/* shutdown: read everything */
	int			 starting;	/* before the first full scan */
	int			 warned_full;
	struct refused		*refused;	/* files not read, said once */
	struct checkpoint_entry	*entries;	/* from the last run, at start */
	size_t			 nentries;
	char			*rbuf;
	size_t			 rbuflen;
	char			*scratch;
	size_t			 scratchlen;
	uint64_t		 lines, bytes, cut, skipped_gone;
	uint64_t		 bypassed;	/* deleted files' bytes read past
						   max_read_rate */
	uint64_t		 read_total;	/* bytes read, ever */
	uint64_t		 stir_mark;	/* read_total when the watch
						   last stirred */
	uint64_t		 rate_at;	/* rate_stir()'s window began */
	uint64_t		 rate_mark;	/* read_total then */
	uint64_t		 grow_rate;	/* bytes a second the files grow
						   by; 0: not known */
	void			(*on_new)(void *);	/* a file joined */
	void			*on_new_arg;
	void			(*on_skip)(void *);	/* filtered records
							   acknowledged */
	void			*on_skip_arg;
};

void	reader_reap(struct reader *);
int	reader_unpark(struct reader *, struct rtail *);

#endif
