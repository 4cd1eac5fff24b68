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
 *
 * Descriptors are bounded (RLIMIT_NOFILE, READER_MAX_OPEN), files are
 * not: past the bound, the open tail quiet the longest with everything
 * read and delivered is parked (closed) to make room, and a file found
 * without room is opened only to learn its identity and start offset,
 * then parked until room frees.  A parked tail is opened again by name
 * when its file changes, or found by inode if it was renamed.  Every
 * file is announced once, when it is first found.  A file that cannot
 * be opened, or that the watcher refused (a symlink leading out), is
 * found again at every scan: refused.c says it once per cause.
 * Reading itself is reader_pump.c's.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "ere.h"
#include "labels.h"
#include "log.h"
#include "reader.h"
#include "reader_int.h"
#include "record.h"
#include "refused.h"
#include "tail.h"

static void	found(void *, int, const char *, const char *);
static void	refuse(void *, const char *, const char *);
static void	changed(void *, const char *);
static int	stirred(void *);
static uint64_t	patience(void *);
static void	moved(void *, const char *, const char *);
static void	gone(void *, const char *);
static void	rotated(void *, int, const char *, const char *);
static void	scanned(void *);

const struct watch_ops reader_watch_ops = {
	.found = found,
	.refused = refuse,
	.changed = changed,
	.stirred = stirred,
	.patience = patience,
	.moved = moved,
	.rotated = rotated,
	.gone = gone,
	.scanned = scanned,
};

/* --- set-up ------------------------------------------------------------- */

/* multiline.start, compiled (checked already by config_check.c: failing
 * here is for memory). */
static int
compile(const struct config_input *in, const char *re, struct ere **rx)
{
	if (re == NULL)
		return 0;
	*rx = ere_new(re);
	if (*rx == NULL) {
		log_error("input %s: multiline.start does not compile",
		    in->name);
		return -1;
	}
	return 0;
}

static int
setup_input(const struct config *cfg, const struct labels *labels, int i,
    struct rinput *ri, struct stage_counts *counts)
{
	const struct config_input	*in = &cfg->inputs[i];

	ri->lcfg.max_bytes = in->max_line_bytes;
	ri->lcfg.parse = in->parse;
	if (compile(in, in->multiline_start, &ri->re) == -1)
		return -1;
	ri->lcfg.multiline = ri->re;
	ri->st = stages_new(cfg, in, counts);
	if (ri->st == NULL)
		return -1;
	ri->rate = in->max_read_rate;
	ri->tokens = (int64_t)ri->rate;
	ri->tpl = record_tpl_new(cfg, in, labels ? labels->pairs : NULL,
	    labels ? labels->n : 0);
	ri->otpl = ri->tpl;
	if (cfg->output.enabled && output_record_local(&cfg->output))
		ri->otpl = record_tpl_local(cfg, in);
	if (ri->tpl == NULL || ri->otpl == NULL) {
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
		ere_free(ri[i].re);
		stages_free(ri[i].st);
		if (ri[i].otpl != ri[i].tpl)
			record_tpl_free(ri[i].otpl);
		record_tpl_free(ri[i].tpl);
	}
	free(ri);
}

static struct rinput *
setup_inputs(const struct config *cfg, const struct labels *labels,
    struct stage_counts *counts)
{
	struct rinput	*ri;
	int		 i;

	ri = calloc((size_t)cfg->ninputs, sizeof(*ri));
	if (ri == NULL)
		return NULL;
	for (i = 0; i < cfg->ninputs; i++)
		if (setup_input(cfg, labels, i, &ri[i], counts) == -1) {
			free_inputs(ri, i + 1);
			return NULL;
		}
	return ri;
}

/*
 * Buffers sized by the longest record any input of cfg may cut.  The
 * old ones go only once the new ones are there, so a failure (memory)
 * leaves the reader as it was; buffers of the right size are kept.
 */
static int
setup_buffers(struct reader *rd, const struct config *cfg)
{
	size_t	 max = config_longest_line(cfg), rlen, slen;
	char	*rbuf, *scratch;

	/* A pending multiline record and the line that ends it, plus room
	 * to read ahead (and for the bytes tail_read() reads under the
	 * read offset). */
	rlen = 2 * max + READER_READ_AHEAD;
	slen = LINE_SCRATCH(max);
	if (rd->rbuf != NULL && rd->scratch != NULL && rlen == rd->rbuflen &&
	    slen == rd->scratchlen)
		return 0;
	rbuf = malloc(rlen);
	scratch = malloc(slen);
	if (rbuf == NULL || scratch == NULL) {
		log_error("reader: out of memory for %zu byte buffers", rlen);
		free(rbuf);
		free(scratch);
		return -1;
	}
	free(rd->rbuf);
	free(rd->scratch);
	rd->rbuf = rbuf;
	rd->rbuflen = rlen;
	rd->scratch = scratch;
	rd->scratchlen = slen;
	return 0;
}

/* What setup_buffers() takes, for the memory budget. */
size_t
reader_buffer_bytes(const struct config *cfg)
{
	size_t	 max = config_longest_line(cfg), stages = 0;
	int	 i;

	/* Filters, redaction and parsers have buffers of their own. */
	for (i = 0; i < cfg->ninputs; i++)
		stages += stages_buffer_max(&cfg->inputs[i]);
	return 2 * max + READER_READ_AHEAD + LINE_SCRATCH(max) + stages +
	    sizeof(struct parsed);
}

static void
set_sinks(struct reader *rd, struct emit *emit, struct output *out)
{
	rd->emit = emit;
	rd->out = out;
	rd->sinks = (emit != NULL ? 1u << TAIL_SINK_STDOUT : 0) |
	    (out != NULL ? 1u << TAIL_SINK_OUTPUT : 0);
}

/* Files that may be open at once: what RLIMIT_NOFILE leaves after what
 * the rest of sidelog may need; -1 if that is too few. */
static int
open_budget(const struct config *cfg)
{
	struct rlimit	 rl;
	uint64_t	 need, left;

	need = READER_FD_RESERVE + 2 * (uint64_t)cfg->output.max_in_flight;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return READER_MAX_OPEN;
	left = rl.rlim_cur > need ? rl.rlim_cur - need : 0;
	if (left < READER_MIN_OPEN) {
		log_error("RLIMIT_NOFILE is %llu: sidelog needs %llu "
		    "descriptors, and %d more for log files",
		    (unsigned long long)rl.rlim_cur, (unsigned long long)need,
		    READER_MIN_OPEN);
		return -1;
	}
	return left < READER_MAX_OPEN ? (int)left : READER_MAX_OPEN;
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
		checkpoint_entries_free(entries, nentries);
		return NULL;
	}
	rd->lp = lp;
	rd->cfg = cfg;
	set_sinks(rd, emit, out);
	rd->entries = entries;
	rd->nentries = nentries;
	rd->starting = 1;
	rd->max_open = open_budget(cfg);
	rd->inputs = setup_inputs(cfg, labels, rd->counts);
	rd->refused = refused_new();
	rd->parsed = malloc(sizeof(*rd->parsed));
	if (rd->max_open == -1 || rd->inputs == NULL || rd->parsed == NULL ||
	    rd->refused == NULL || setup_buffers(rd, cfg) == -1) {
		reader_free(rd);
		return NULL;
	}
	log_debug("reader: up to %d files open at once", rd->max_open);
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
	refused_free(rd->refused);
	free(rd->tails);
	free(rd->rbuf);
	free(rd->scratch);
	free(rd->parsed);
	for (i = 0; i < CONFIG_MAX_INPUTS; i++)
		free(rd->counts[i].rules);
	checkpoint_entries_free(rd->entries, rd->nentries);
	free(rd);
}

/*
 * A reload: the same tails go on under the new configuration, from what
 * was delivered (the sinks were emptied or dropped before).  Tails of an
 * input that no longer exists are closed; new inputs' files come with
 * the next scan.  All or nothing: what can fail (memory) is allocated
 * before anything changes, so a failure leaves the reader as it was
 * (its configuration, inputs and buffers; sinks it was told to drop
 * stay dropped).
 */
int
reader_reconfigure(struct reader *rd, const struct config *cfg,
    const struct labels *labels, struct emit *emit, struct output *out)
{
	struct rinput		*ri;
	const struct config	*old = rd->cfg;
	int			 i, j;

	ri = setup_inputs(cfg, labels, rd->counts);
	if (ri == NULL)
		return -1;
	if (setup_buffers(rd, cfg) == -1) {
		free_inputs(ri, cfg->ninputs);
		return -1;
	}
	/* Nothing below fails. */
	set_sinks(rd, emit, out);
	for (i = rd->ntails - 1; i >= 0; i--) {
		const char *name = old->inputs[tail_input(rd->tails[i].t)].name;

		for (j = 0; j < cfg->ninputs; j++)
			if (strcmp(cfg->inputs[j].name, name) == 0)
				break;
		if (j == cfg->ninputs) {
			log_info("%s: input %s removed; no longer read",
			    tail_path(rd->tails[i].t), name);
			rd->nopen -= tail_is_open(rd->tails[i].t);
			tail_close(rd->tails[i].t);
			rd->tails[i] = rd->tails[--rd->ntails];
			continue;
		}
		tail_rewind(rd->tails[i].t, j, rd->sinks);
		rd->tails[i].dirty = 1;
		rd->tails[i].flush = RFLUSH_NONE;
		/* Another multiline.start may cut the same bytes otherwise. */
		memset(&rd->tails[i].pend, 0, sizeof(rd->tails[i].pend));
	}
	free_inputs(rd->inputs, old->ninputs);
	rd->inputs = ri;
	rd->cfg = cfg;
	rd->blocked = 0;
	i = open_budget(cfg);
	if (i != -1)
		rd->max_open = i;	/* tails over it are parked as room is
					   needed */
	return 0;
}

/*
 * The sinks are about to be freed (a reload): the reader forgets them
 * first, so that it never holds a pointer to a freed sink, even when the
 * reload then fails.  Paused, it has no use for them until
 * reader_reconfigure() gives it the new ones.  The tails keep which
 * sinks they were sent to, so their delivered offsets do not move.
 */
void
reader_drop_sinks(struct reader *rd)
{
	set_sinks(rd, NULL, NULL);
}

/* --- the set of tails --------------------------------------------------- */

/* Whether no more files may be followed; said once until one goes. */
static int
is_full(struct reader *rd, const char *path)
{
	if (rd->ntails < READER_MAX_TAILS)
		return 0;
	if (!rd->warned_full)
		log_warn("reader: following %d files already; %s and others "
		    "wait until one is let go", READER_MAX_TAILS, path);
	rd->warned_full = 1;
	return 1;
}

static int
grow_tails(struct reader *rd)
{
	struct rtail	*r;
	int		 cap = rd->captails ? rd->captails * 2 : 64;

	if (cap > READER_MAX_TAILS)
		cap = READER_MAX_TAILS;
	r = reallocarray(rd->tails, (size_t)cap, sizeof(*r));
	if (r == NULL)
		return -1;
	rd->tails = r;
	rd->captails = cap;
	return 0;
}

static struct rtail *
add_tail(struct reader *rd, struct tail *t)
{
	struct rtail	*rt;

	if (rd->ntails == rd->captails && grow_tails(rd) == -1) {
		log_error("%s: out of memory; not read", tail_path(t));
		tail_close(t);
		return NULL;
	}
	rt = &rd->tails[rd->ntails++];
	memset(rt, 0, sizeof(*rt));
	rt->t = t;
	rt->dirty = 1;
	rt->seen = 1;
	rt->last_growth = loop_now(rd->lp);
	rd->nopen += tail_is_open(t);
	if (rd->on_new != NULL)
		rd->on_new(rd->on_new_arg);
	return rt;
}

/*
 * A descriptor for one more file: under max_open, or by parking the
 * open tail quiet the longest that has everything read and delivered.
 * -1 if every open tail still has work.
 */
static int
make_room(struct reader *rd)
{
	struct rtail	*rt, *lru = NULL;
	int		 i;

	if (rd->nopen < rd->max_open)
		return 0;
	for (i = 0; i < rd->ntails; i++) {
		rt = &rd->tails[i];
		if (!tail_is_open(rt->t) || rt->dirty ||
		    tail_read_off(rt->t) < tail_size(rt->t) ||
		    !tail_is_idle(rt->t))
			continue;
		if (lru == NULL || rt->last_growth < lru->last_growth)
			lru = rt;
	}
	if (lru == NULL)
		return -1;
	tail_park(lru->t);
	rd->nopen--;
	return 0;
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

/* Who to tell when filtered records were acknowledged by the reader
 * itself: their offsets are delivered, the checkpoint may move. */
void
reader_on_skip(struct reader *rd, void (*fn)(void *), void *arg)
{
	rd->on_skip = fn;
	rd->on_skip_arg = arg;
}

/* Let go of a tail: swap the last one into its place. */
static void
remove_tail(struct reader *rd, int i)
{
	log_info("%s: read to its end and delivered; let go",
	    tail_path(rd->tails[i].t));
	rd->skipped_gone += tail_skipped(rd->tails[i].t);
	rd->nopen -= tail_is_open(rd->tails[i].t);
	tail_close(rd->tails[i].t);
	rd->tails[i] = rd->tails[--rd->ntails];
	rd->warned_full = 0;
}

/*
 * Opens a file found for the first time.  Without a free descriptor it
 * takes one over max_open for a moment (*room is 0; keep() parks it):
 * its identity and start offset are learnt now, while the name surely
 * leads to the file meant.  A refusal is said once per cause; a name
 * that went away (ENOENT) is not one.
 */
static struct tail *
open_new(struct reader *rd, int input, const char *path, const char *dir,
    int *room)
{
	struct tail	*t;
	int		 why;

	if (is_full(rd, path))
		return NULL;
	*room = make_room(rd) == 0;
	t = tail_open(input, path, dir, rd->sinks, &why);
	if (t != NULL)
		refused_forget(rd->refused, path);
	else if (why != 0 && why != ENOENT)
		refused_note(rd->refused, path, dir, why);
	return t;
}

static void
keep(struct reader *rd, struct tail *t, int room)
{
	if (!room)
		tail_park(t);
	add_tail(rd, t);
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
	int		 i, room;

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
			/* A parked file is opened only if it changed. */
			if (tail_is_open(rt->t) || tail_changed(rt->t, &st))
				rt->dirty = 1;
			return;
		}
		/* Another file holds its old name now. */
		if (strcmp(tail_path(rt->t), path) == 0)
			tail_set_gone(rt->t, 1);
	}
	t = open_new(rd, input, path, dir, &room);
	if (t == NULL)
		return;
	start_tail(rd, t, input);
	keep(rd, t, room);
}

static void
refuse(void *arg, const char *path, const char *dir)
{
	struct reader	*rd = arg;

	refused_note(rd->refused, path, dir, REFUSED_SYMLINK);
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

/*
 * The rate the files grow at, averaged over READER_RATE_WINDOW_MS or
 * more of stirs, as the bytes read count it; unknown (0) again once a
 * stir finds they stopped.
 */
static void
rate_stir(struct reader *rd, int grew)
{
	uint64_t	 now = loop_now(rd->lp);

	if (!grew) {
		rd->rate_at = 0;
		rd->grow_rate = 0;
	} else if (rd->rate_at == 0) {
		rd->rate_at = now;
		rd->rate_mark = rd->read_total;
	} else if (now - rd->rate_at >= READER_RATE_WINDOW_MS) {
		rd->grow_rate = (rd->read_total - rd->rate_mark) * 1000 /
		    (now - rd->rate_at);
		rd->rate_at = now;
		rd->rate_mark = rd->read_total;
	}
}

/* Growth may have gone unannounced: open tails are looked at, a parked
 * one only if its name's file changed (as in found()).  Whether any
 * bytes were read since the last stir: the files still grow. */
static int
stirred(void *arg)
{
	struct reader	*rd = arg;
	struct rtail	*rt;
	struct stat	 st;
	int		 i, grew = rd->read_total != rd->stir_mark;

	for (i = 0; i < rd->ntails; i++) {
		rt = &rd->tails[i];
		if (tail_is_open(rt->t) || (stat(tail_path(rt->t), &st) == 0 &&
		    tail_is(rt->t, &st) && tail_changed(rt->t, &st)))
			rt->dirty = 1;
	}
	rate_stir(rd, grew);
	rd->stir_mark = rd->read_total;
	loop_wake(rd->lp);
	return grew;
}

/* Until the open batch leaves, or sooner when the files would fill it;
 * lines for stdout are not held.  Until a rate is known, a short hold:
 * a burst must not be read all at once. */
static uint64_t
patience(void *arg)
{
	struct reader	*rd = arg;
	uint64_t	 p;

	if (rd->emit != NULL || rd->out == NULL)
		return 0;
	p = output_patience(rd->out, rd->grow_rate);
	if (rd->grow_rate == 0 && p > READER_FIRST_HOLD_MS)
		p = READER_FIRST_HOLD_MS;
	return p;
}

/*
 * A rename: the tail keeps reading under its new name.  If that name is
 * one of the input's, found() follows at once and clears "gone".  Events
 * may come late, when the name leads to another file than the tail's
 * (one opened since under the old name): the new name must lead to the
 * tail's inode, else it is left to rotated() and the scan.
 */
static void
moved(void *arg, const char *from, const char *to)
{
	struct reader	*rd = arg;
	struct stat	 st;
	int		 i, ok;

	ok = stat(to, &st) == 0;
	for (i = 0; i < rd->ntails; i++) {
		if (strcmp(tail_path(rd->tails[i].t), from) != 0 || !ok ||
		    !tail_is(rd->tails[i].t, &st))
			continue;
		tail_set_path(rd->tails[i].t, to);
		tail_set_gone(rd->tails[i].t, 1);
		rd->tails[i].dirty = 1;
	}
}

/* Renamed out of the globs (path is its name after every rename the
 * watcher saw): a tail that follows it takes that name; one that was
 * never opened is opened now, and read from its start. */
static void
rotated(void *arg, int input, const char *path, const char *dir)
{
	struct reader	*rd = arg;
	struct stat	 st;
	struct tail	*t;
	int		 i, room;

	if (stat(path, &st) == -1)
		return;
	for (i = 0; i < rd->ntails; i++)
		if (tail_input(rd->tails[i].t) == input &&
		    tail_is(rd->tails[i].t, &st)) {
			tail_set_path(rd->tails[i].t, path);
			tail_set_gone(rd->tails[i].t, 1);
			return;
		}
	t = open_new(rd, input, path, dir, &room);
	if (t == NULL)
		return;
	log_info("%s: rotated before it was read; reading it from the start",
	    path);
	tail_set_gone(t, 1);
	keep(rd, t, room);
}

static void
gone(void *arg, const char *path)
{
	struct reader	*rd = arg;
	int		 i;

	refused_forget(rd->refused, path);
	for (i = 0; i < rd->ntails; i++) {
		if (strcmp(tail_path(rd->tails[i].t), path) != 0)
			continue;
		tail_set_gone(rd->tails[i].t, 1);
		rd->tails[i].dirty = 1;
	}
}

/* --- files found again by inode ----------------------------------------- */

typedef int	inode_fn(struct reader *, const char *path, const char *dir,
		    void *);

/* Calls fn for each regular file in dir with inode ino until fn
 * returns 1, and returns that. */
static int
in_dir(struct reader *rd, const char *dir, uint64_t ino, inode_fn *fn,
    void *arg)
{
	char		 real[PATH_MAX], path[PATH_MAX];
	struct dirent	*de;
	struct stat	 st;
	DIR		*dp;
	int		 done = 0;

	if (realpath(dir, real) == NULL)
		return 0;
	dp = opendir(dir);
	if (dp == NULL)
		return 0;
	while (!done) {
		de = readdir(dp);
		if (de == NULL)
			break;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || lstat(path, &st) == -1 ||
		    !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != ino)
			continue;
		done = fn(rd, path, real, arg);
	}
	closedir(dp);
	return done;
}

/* The same over the directories of the input's globs: where a file's
 * rotated names are. */
static int
each_inode(struct reader *rd, int input, uint64_t ino, inode_fn *fn,
    void *arg)
{
	const struct config_input	*in = &rd->cfg->inputs[input];
	char				 dir[PATH_MAX];
	int				 j;

	for (j = 0; j < in->npaths; j++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(strrchr(in->paths[j],
		    '/') - in->paths[j]), in->paths[j]);
		if (in_dir(rd, *dir ? dir : "/", ino, fn, arg))
			return 1;
	}
	return 0;
}

/* A parked tail's name is gone: perhaps it was renamed. */
static int
relocate(struct reader *rd, const char *path, const char *dir, void *arg)
{
	struct tail	*t = arg;

	tail_set_path(t, path);
	if (tail_unpark(t) == -1)
		return 0;
	tail_set_gone(t, 1);	/* the next scan says if path is one of ours */
	return 1;
}

/*
 * Opens a parked tail before it is read.  -1 if no descriptor is free
 * (it stays dirty and waits), or if its file is gone: then its unread
 * rest is lost, said and counted, and it is let go.
 */
int
reader_unpark(struct reader *rd, struct rtail *rt)
{
	struct tail	*t = rt->t;

	if (tail_is_open(t))
		return 0;
	if (make_room(rd) == -1)
		return -1;
	if (tail_unpark(t) == -1 && !each_inode(rd, tail_input(t),
	    tail_inode(t), relocate, t)) {
		tail_lost(t);
		rt->dirty = 0;
		return -1;
	}
	rd->nopen++;
	return 0;
}

/* --- files rotated away while sidelog was down -------------------------- */

struct adopt {
	struct checkpoint_entry	*e;
	int			 input;
};

static int
adopt_one(struct reader *rd, const char *path, const char *dir, void *arg)
{
	struct adopt	*a = arg;
	struct tail	*t;
	int		 room;

	t = open_new(rd, a->input, path, dir, &room);
	if (t == NULL)
		return 0;
	if (!tail_matches(t, a->e) || a->e->offset == tail_size(t)) {
		tail_close(t);
		return 0;
	}
	log_info("%s: rotated away from %s while sidelog was down; reading "
	    "it from offset %llu", path, a->e->path,
	    (unsigned long long)a->e->offset);
	tail_resume(t, a->e->offset);
	tail_set_gone(t, 1);
	keep(rd, t, room);
	return 1;
}

/* Entries no name matched: an unread rest may sit under a rotated name
 * in one of the input's directories.  What is not found is gone. */
static void
adopt_rotated(struct reader *rd)
{
	struct adopt	 a;
	size_t		 i;

	for (i = 0; i < rd->nentries; i++) {
		a.e = &rd->entries[i];
		for (a.input = 0; a.input < rd->cfg->ninputs; a.input++)
			if (strcmp(a.e->input,
			    rd->cfg->inputs[a.input].name) == 0)
				break;
		if (a.e->input[0] != '\0' && a.input < rd->cfg->ninputs)
			each_inode(rd, a.input, a.e->inode, adopt_one, &a);
	}
	checkpoint_entries_free(rd->entries, rd->nentries);
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
	refused_sweep(rd->refused);
	for (i = 0; i < rd->ntails; i++) {
		rt = &rd->tails[i];
		if (!rt->seen && !tail_is_gone(rt->t) &&
		    (stat(tail_path(rt->t), &st) == -1 ||
		    !tail_is(rt->t, &st)))
			tail_set_gone(rt->t, 1);
		rt->seen = 0;
		/* The safety net: check every size (found() compared those
		 * of the parked ones), and every fingerprint (tail_check). */
		if (tail_is_open(rt->t)) {
			rt->dirty = 1;
			tail_verify(rt->t);
		}
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

struct cursor {
	struct reader	*rd;
	int		 i;
};

static int
next_entry(void *arg, struct checkpoint_entry *e)
{
	struct cursor	*c = arg;
	struct tail	*t;

	if (c->i == c->rd->ntails)
		return 0;
	t = c->rd->tails[c->i++].t;
	tail_entry(t, c->rd->cfg->inputs[tail_input(t)].name, e);
	return 1;
}

/* The checkpoint's text: every tail, open or parked. */
char *
reader_checkpoint(struct reader *rd, size_t *len)
{
	struct cursor	 c = { rd, 0 };
	char		*text;

	text = checkpoint_format(next_entry, &c, len);
	if (text == NULL)
		log_error("checkpoint: out of memory for %d files",
		    rd->ntails);
	return text;
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
	st->files = rd->nopen;
	st->followed = rd->ntails;
	st->refused = refused_count(rd->refused);
	st->counts = rd->counts;
	st->bypassed = rd->bypassed;
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
