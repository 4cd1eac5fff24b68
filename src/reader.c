/*
 * reader.c: which files are followed, and since when.
 *
 * The watcher reports names; here they become tails.  A name is the same
 * file as a tail when it is the same inode (within a run) or, at start,
 * when a checkpoint entry's inode and fingerprint match (across runs).
 * A name that went away (renamed out of the glob, deleted) leaves its
 * tail "gone": it is still read to its end and let go only once it has
 * been quiet for READER_LINGER_MS and all of it is delivered.  Checkpoint
 * entries of files rotated away while sidelog was down are looked for by
 * inode in the glob directories, so their last lines are not lost.
 * Reading itself is pump.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "labels.h"
#include "log.h"
#include "reader.h"
#include "reader_int.h"
#include "record.h"
#include "tail.h"

static void	found(void *, int, const char *, const char *);
static void	changed(void *, const char *);
static void	moved(void *, const char *, const char *);
static void	gone(void *, const char *);
static void	rotated(void *, int, const char *, const char *);
static void	scanned(void *);

const struct watch_ops reader_watch_ops = {
	.found = found,
	.changed = changed,
	.moved = moved,
	.rotated = rotated,
	.gone = gone,
	.scanned = scanned,
};

/* --- set-up ------------------------------------------------------------- */

static int
setup_input(const struct config *cfg, const struct labels *labels, int i,
    struct rinput *ri)
{
	const struct config_input	*in = &cfg->inputs[i];
	int				 rc;

	ri->lcfg.max_bytes = in->max_line_bytes;
	ri->lcfg.parse = in->parse;
	if (in->multiline_start != NULL) {
		rc = regcomp(&ri->re, in->multiline_start, REG_EXTENDED |
		    REG_NOSUB);
		if (rc != 0) {
			log_error("input %s: multiline.start does not compile",
			    in->name);
			return -1;
		}
		ri->has_re = 1;
		ri->lcfg.multiline = &ri->re;
	}
	ri->tpl = record_tpl_new(cfg, in, labels ? labels->pairs : NULL,
	    labels ? labels->n : 0);
	if (ri->tpl == NULL) {
		log_error("input %s: out of memory", in->name);
		return -1;
	}
	return 0;
}

static void
free_inputs(struct rinput *ri, int n)
{
	int	 i;

	for (i = 0; ri != NULL && i < n; i++) {
		if (ri[i].has_re)
			regfree(&ri[i].re);
		record_tpl_free(ri[i].tpl);
	}
	free(ri);
}

static struct rinput *
setup_inputs(const struct config *cfg, const struct labels *labels)
{
	struct rinput	*ri;
	int		 i;

	ri = calloc((size_t)cfg->ninputs, sizeof(*ri));
	if (ri == NULL)
		return NULL;
	for (i = 0; i < cfg->ninputs; i++)
		if (setup_input(cfg, labels, i, &ri[i]) == -1) {
			free_inputs(ri, i + 1);
			return NULL;
		}
	return ri;
}

/* Buffers sized by the longest record any input may cut. */
static int
setup_buffers(struct reader *rd)
{
	size_t	 max = 0;
	int	 i;

	for (i = 0; i < rd->cfg->ninputs; i++)
		if (rd->cfg->inputs[i].max_line_bytes > max)
			max = rd->cfg->inputs[i].max_line_bytes;
	free(rd->rbuf);
	free(rd->scratch);
	/* A pending multiline record and the line that ends it, plus room
	 * to read ahead. */
	rd->rbuflen = 2 * max + READER_READ_AHEAD;
	rd->rbuf = malloc(rd->rbuflen);
	rd->scratchlen = LINE_SCRATCH(max);
	rd->scratch = malloc(rd->scratchlen);
	if (rd->rbuf == NULL || rd->scratch == NULL) {
		log_error("reader: out of memory for %zu byte buffers",
		    rd->rbuflen);
		return -1;
	}
	return 0;
}

static void
set_sinks(struct reader *rd, struct emit *emit, struct output *out)
{
	rd->emit = emit;
	rd->out = out;
	rd->sinks = (emit != NULL ? 1u << TAIL_SINK_STDOUT : 0) |
	    (out != NULL ? 1u << TAIL_SINK_OUTPUT : 0);
}

struct reader *
reader_new(struct loop *lp, const struct config *cfg,
    const struct labels *labels, struct checkpoint_entry *entries,
    size_t nentries, struct emit *emit, struct output *out)
{
	struct reader	*rd;

	rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		log_error("reader: out of memory");
		free(entries);
		return NULL;
	}
	rd->lp = lp;
	rd->cfg = cfg;
	set_sinks(rd, emit, out);
	rd->entries = entries;
	rd->nentries = nentries;
	rd->starting = 1;
	rd->tails = calloc(READER_MAX_TAILS, sizeof(*rd->tails));
	rd->inputs = setup_inputs(cfg, labels);
	if (rd->tails == NULL || rd->inputs == NULL ||
	    setup_buffers(rd) == -1) {
		reader_free(rd);
		return NULL;
	}
	return rd;
}

void
reader_free(struct reader *rd)
{
	int	 i;

	if (rd == NULL)
		return;
	for (i = 0; i < rd->ntails; i++)
		tail_close(rd->tails[i].t);
	free_inputs(rd->inputs, rd->cfg->ninputs);
	free(rd->tails);
	free(rd->rbuf);
	free(rd->scratch);
	free(rd->entries);
	free(rd);
}

/*
 * A reload: the same tails go on under the new configuration, from what
 * was delivered (the sinks were emptied or dropped before).  Tails of an
 * input that no longer exists are closed; new inputs' files come with
 * the next scan.  Fails only for memory, leaving the reader as it was.
 */
int
reader_reconfigure(struct reader *rd, const struct config *cfg,
    const struct labels *labels, struct emit *emit, struct output *out)
{
	struct rinput		*ri;
	const struct config	*old = rd->cfg;
	int			 i, j;

	ri = setup_inputs(cfg, labels);
	if (ri == NULL)
		return -1;
	set_sinks(rd, emit, out);
	for (i = rd->ntails - 1; i >= 0; i--) {
		const char *name = old->inputs[tail_input(rd->tails[i].t)].name;

		for (j = 0; j < cfg->ninputs; j++)
			if (strcmp(cfg->inputs[j].name, name) == 0)
				break;
		if (j == cfg->ninputs) {
			log_info("%s: input %s removed; no longer read",
			    tail_path(rd->tails[i].t), name);
			tail_close(rd->tails[i].t);
			rd->tails[i] = rd->tails[--rd->ntails];
			continue;
		}
		tail_rewind(rd->tails[i].t, j, rd->sinks);
		rd->tails[i].dirty = 1;
		rd->tails[i].flush = RFLUSH_NONE;
	}
	free_inputs(rd->inputs, old->ninputs);
	rd->inputs = ri;
	rd->cfg = cfg;
	rd->blocked = 0;
	return setup_buffers(rd);
}

/* --- the set of tails --------------------------------------------------- */

static struct rtail *
add_tail(struct reader *rd, struct tail *t)
{
	struct rtail	*rt;

	if (rd->ntails == READER_MAX_TAILS) {
		if (!rd->warned_full)
			log_warn("reader: following %d files already; %s and "
			    "others wait until one is let go",
			    READER_MAX_TAILS, tail_path(t));
		rd->warned_full = 1;
		tail_close(t);
		return NULL;
	}
	rt = &rd->tails[rd->ntails++];
	memset(rt, 0, sizeof(*rt));
	rt->t = t;
	rt->dirty = 1;
	rt->seen = 1;
	rt->last_growth = loop_now(rd->lp);
	if (rd->on_new != NULL)
		rd->on_new(rd->on_new_arg);
	return rt;
}

/*
 * fn is told when a file joins, so that its identity reaches the
 * checkpoint at once: a file that sidelog read in part and that was then
 * rotated away while sidelog was down can only be found again by it.
 */
void
reader_on_new(struct reader *rd, void (*fn)(void *), void *arg)
{
	rd->on_new = fn;
	rd->on_new_arg = arg;
}

/* Let go of a tail: swap the last one into its place. */
static void
remove_tail(struct reader *rd, int i)
{
	log_info("%s: read to its end and delivered; let go",
	    tail_path(rd->tails[i].t));
	rd->skipped_gone += tail_skipped(rd->tails[i].t);
	tail_close(rd->tails[i].t);
	rd->tails[i] = rd->tails[--rd->ntails];
	rd->warned_full = 0;
}

/* A checkpoint entry for this new tail, if one matches; used up once. */
static struct checkpoint_entry *
match_entry(struct reader *rd, struct tail *t, int input)
{
	const char	*name = rd->cfg->inputs[input].name;
	size_t		 i;

	for (i = 0; i < rd->nentries; i++) {
		struct checkpoint_entry *e = &rd->entries[i];

		if (e->input[0] != '\0' && strcmp(e->input, name) == 0 &&
		    tail_matches(t, e))
			return e;
	}
	return NULL;
}

static void
start_tail(struct reader *rd, struct tail *t, int input)
{
	struct checkpoint_entry	*e = match_entry(rd, t, input);

	if (e != NULL) {
		tail_resume(t, e->offset);
		log_info("%s: resuming at offset %llu of %llu", tail_path(t),
		    (unsigned long long)tail_read_off(t),
		    (unsigned long long)tail_size(t));
		e->input[0] = '\0';	/* used */
	} else if (rd->starting &&
	    rd->cfg->inputs[input].read_from == READ_TAIL) {
		tail_resume(t, tail_size(t));
		log_info("%s: new, starting at its end (%llu)", tail_path(t),
		    (unsigned long long)tail_size(t));
	} else
		log_info("%s: new, reading from the start", tail_path(t));
}

static void
found(void *arg, int input, const char *path, const char *dir)
{
	struct reader	*rd = arg;
	struct rtail	*rt;
	struct stat	 st;
	struct tail	*t;
	int		 i;

	if (stat(path, &st) == -1)
		return;
	for (i = 0; i < rd->ntails; i++) {
		rt = &rd->tails[i];
		if (tail_input(rt->t) != input)
			continue;
		if (tail_is(rt->t, &st)) {
			if (strcmp(tail_path(rt->t), path) != 0)
				tail_set_path(rt->t, path);
			tail_set_gone(rt->t, 0);
			rt->seen = 1;
			rt->dirty = 1;
			return;
		}
		/* Another file holds its old name now. */
		if (strcmp(tail_path(rt->t), path) == 0)
			tail_set_gone(rt->t, 1);
	}
	t = tail_open(input, path, dir, rd->sinks);
	if (t == NULL)
		return;
	start_tail(rd, t, input);
	add_tail(rd, t);
}

static void
changed(void *arg, const char *path)
{
	struct reader	*rd = arg;
	int		 i;

	for (i = 0; i < rd->ntails; i++)
		if (strcmp(tail_path(rd->tails[i].t), path) == 0)
			rd->tails[i].dirty = 1;
}

/* A rename: the tail keeps reading under its new name.  If that name is
 * one of the input's, found() follows at once and clears "gone". */
static void
moved(void *arg, const char *from, const char *to)
{
	struct reader	*rd = arg;
	int		 i;

	for (i = 0; i < rd->ntails; i++) {
		if (strcmp(tail_path(rd->tails[i].t), from) != 0)
			continue;
		tail_set_path(rd->tails[i].t, to);
		tail_set_gone(rd->tails[i].t, 1);
		rd->tails[i].dirty = 1;
	}
}

/* Renamed out of the globs: moved() already updated a tail that follows
 * it; one that was never opened is opened now, under its new name. */
static void
rotated(void *arg, int input, const char *path, const char *dir)
{
	struct reader	*rd = arg;
	struct stat	 st;
	struct tail	*t;
	int		 i;

	if (stat(path, &st) == -1)
		return;
	for (i = 0; i < rd->ntails; i++)
		if (tail_input(rd->tails[i].t) == input &&
		    tail_is(rd->tails[i].t, &st))
			return;
	t = tail_open(input, path, dir, rd->sinks);
	if (t == NULL)
		return;
	log_info("%s: rotated before it was read; reading it from the start",
	    path);
	tail_set_gone(t, 1);
	add_tail(rd, t);
}

static void
gone(void *arg, const char *path)
{
	struct reader	*rd = arg;
	int		 i;

	for (i = 0; i < rd->ntails; i++) {
		if (strcmp(tail_path(rd->tails[i].t), path) != 0)
			continue;
		tail_set_gone(rd->tails[i].t, 1);
		rd->tails[i].dirty = 1;
	}
}

/* --- files rotated away while sidelog was down -------------------------- */

static void
look_in_dir(struct reader *rd, struct checkpoint_entry *e, int input,
    const char *dir)
{
	char		 real[PATH_MAX], path[PATH_MAX];
	struct dirent	*de;
	struct stat	 st;
	struct tail	*t;
	DIR		*dp;

	if (realpath(dir, real) == NULL)
		return;
	dp = opendir(dir);
	if (dp == NULL)
		return;
	while (e->input[0] != '\0') {
		de = readdir(dp);
		if (de == NULL)
			break;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || lstat(path, &st) == -1 ||
		    !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != e->inode)
			continue;
		t = tail_open(input, path, real, rd->sinks);
		if (t == NULL)
			continue;
		if (!tail_matches(t, e) || e->offset == tail_size(t)) {
			tail_close(t);
			continue;
		}
		log_info("%s: rotated away from %s while sidelog was down; "
		    "reading it from offset %llu", path, e->path,
		    (unsigned long long)e->offset);
		tail_resume(t, e->offset);
		tail_set_gone(t, 1);
		e->input[0] = '\0';
		add_tail(rd, t);
	}
	closedir(dp);
}

/* Entries no name matched: an unread rest may sit under a rotated name
 * in one of the input's directories.  What is not found is gone. */
static void
adopt_rotated(struct reader *rd)
{
	char	 dir[PATH_MAX];
	size_t	 i;
	int	 input, j;

	for (i = 0; i < rd->nentries; i++) {
		struct checkpoint_entry *e = &rd->entries[i];

		for (input = 0; input < rd->cfg->ninputs; input++)
			if (strcmp(e->input, rd->cfg->inputs[input].name) == 0)
				break;
		if (e->input[0] == '\0' || input == rd->cfg->ninputs)
			continue;
		for (j = 0; j < rd->cfg->inputs[input].npaths; j++) {
			const char *p = rd->cfg->inputs[input].paths[j];

			snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(p,
			    '/') - p), p);
			look_in_dir(rd, e, input, *dir ? dir : "/");
		}
	}
	free(rd->entries);
	rd->entries = NULL;
	rd->nentries = 0;
}

/* After a full scan: a tail whose name was not reported lost it. */
static void
scanned(void *arg)
{
	struct reader	*rd = arg;
	struct rtail	*rt;
	struct stat	 st;
	int		 i;

	if (rd->starting) {
		adopt_rotated(rd);
		rd->starting = 0;
	}
	for (i = 0; i < rd->ntails; i++) {
		rt = &rd->tails[i];
		if (!rt->seen && !tail_is_gone(rt->t) &&
		    (stat(tail_path(rt->t), &st) == -1 ||
		    !tail_is(rt->t, &st)))
			tail_set_gone(rt->t, 1);
		rt->seen = 0;
		rt->dirty = 1;	/* the safety net: check every size */
	}
	loop_wake(rd->lp);
}

/* --- letting go, checkpoint, figures ---------------------------------- */

/* Gone tails that are read, delivered and quiet are closed. */
void
reader_reap(struct reader *rd)
{
	uint64_t	 now = loop_now(rd->lp);
	struct rtail	*rt;
	int		 i;

	for (i = rd->ntails - 1; i >= 0; i--) {
		rt = &rd->tails[i];
		if (tail_is_gone(rt->t) && !rt->dirty &&
		    tail_read_off(rt->t) == tail_size(rt->t) &&
		    tail_is_idle(rt->t) &&
		    now - rt->last_growth >= READER_LINGER_MS)
			remove_tail(rd, i);
	}
}

int
reader_entries(struct reader *rd, struct checkpoint_entry **out, size_t *n)
{
	struct checkpoint_entry	*e;
	int			 i;

	e = calloc((size_t)rd->ntails + 1, sizeof(*e));
	if (e == NULL) {
		log_error("checkpoint: out of memory");
		return -1;
	}
	for (i = 0; i < rd->ntails; i++)
		tail_entry(rd->tails[i].t,
		    rd->cfg->inputs[tail_input(rd->tails[i].t)].name, &e[i]);
	*out = e;
	*n = (size_t)rd->ntails;
	return 0;
}

void
reader_stats(struct reader *rd, struct reader_stats *st)
{
	struct tail	*t;
	uint64_t	 lag;
	int		 i;

	memset(st, 0, sizeof(*st));
	st->lines = rd->lines;
	st->bytes = rd->bytes;
	st->cut = rd->cut;
	st->skipped = rd->skipped_gone;
	st->files = rd->ntails;
	for (i = 0; i < rd->ntails; i++) {
		t = rd->tails[i].t;
		st->skipped += tail_skipped(t);
		st->input_files[tail_input(t)]++;
		if (tail_is_gone(t) && tail_read_off(t) < tail_size(t))
			st->at_risk++;
		if (tail_size(t) <= tail_delivered(t))
			continue;
		lag = tail_size(t) - tail_delivered(t);
		st->lag += lag;
		st->input_lag[tail_input(t)] += lag;
		st->undelivered++;
	}
}
