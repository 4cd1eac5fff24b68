/*
 * reader_pump.c: moving bytes from tails into the sinks.
 *
 * Runs as the loop's idle hook: each round reads at most one buffer from
 * each tail with new bytes (round-robin, so one busy file cannot starve
 * the others), cuts it into records (line.c), encodes each straight into
 * the sinks' buffers (record.c) and consumes only what was taken.  When a
 * sink is full the round stops and the bytes stay in the file, which is
 * the buffer; the sink kicks the pump when it has room again.  A
 * multiline record left pending is not read and matched again from its
 * start every round: its note (rtail.pend, line.h) lets a round read
 * only what was written since, until the record may end.  Timeouts (a
 * pending multiline record, a rotated file gone quiet) are checked by
 * reader_tick(), which also wakes inputs that max_read_rate held back.
 */
#include <string.h>
#include <time.h>

#include "emit.h"
#include "output.h"
#include "hash.h"
#include "log.h"
#include "reader.h"
#include "reader_int.h"
#include "record.h"

enum pumped {
	PUMP_DONE,		/* nothing more until the file grows */
	PUMP_MORE,		/* more to read now */
	PUMP_FULL,		/* a sink is full */
};

/* One tail's round: shared by the records cut from one read. */
struct pumpctx {
	struct reader		*rd;
	struct rtail		*rt;
	const struct record_tpl	*tpl, *otpl;
	const char		*path;		/* file_key's value, and its */
	size_t			 pathlen;	/* length, once a round */
	char			 time[RECORD_TIME_LEN + 1];
	struct rinput		*ri;
	int			 full;
	int			 skipped;	/* records filtered out */
};

/* The values of one record: its file, read time and, when anyone needs
 * it, its id. */
static void
values(struct pumpctx *c, const struct line_rec *rec, struct record_vals *v,
    char *id)
{
	const struct config	*cfg = c->rd->cfg;
	struct tail		*t = c->rt->t;

	memset(v, 0, sizeof(*v));
	v->line = rec;
	v->path = c->path;
	v->pathlen = c->pathlen;
	v->time = c->time;
	if (*cfg->output.id_key != '\0' || (c->rd->out != NULL &&
	    output_wants_ids(c->rd->out))) {
		hash_id(tail_ids(t, cfg->output.id_seed,
		    cfg->inputs[tail_input(t)].name), rec->off, id);
		v->id = id;
	}
}

static size_t
emit_one(struct pumpctx *c, const struct record_vals *v, char *out)
{
	const struct line_rec	*rec = v->line;

	if (c->rd->cfg->emit_format == EMIT_JSON)
		return record_encode(c->tpl, v, out);
	memcpy(out, rec->msg, rec->len);
	out[rec->len] = '\n';
	return rec->len + 1;
}

/* A filtered record is consumed: delivered for every sink, so that its
 * offsets reach the checkpoint and a restart does not read it again. */
static void
skip(struct pumpctx *c, const struct line_rec *rec)
{
	struct reader	*rd = c->rd;
	struct tail	*t = c->rt->t;
	int		 s;

	/* An acknowledgement gives back a sink's reference: take it. */
	for (s = 0; s < TAIL_SINKS; s++)
		if (rd->sinks & (1u << s)) {
			tail_ref(t);
			tail_ack(t, (enum tail_sink)s, tail_gen(t), rec->off,
			    rec->end);
		}
	c->skipped++;
}

/*
 * A record's stages, then both sinks.  Both must have room before either
 * takes the record, or a full one would make the other see it twice.
 * Redaction comes before stdout's raw copy too: no sink sees a secret.
 */
static int
on_record(void *arg, const struct line_rec *cut)
{
	struct pumpctx		*c = arg;
	struct reader		*rd = c->rd;
	struct tail		*t = c->rt->t;
	struct line_rec		 red = *cut, *rec = &red;
	struct record_vals	 v;
	const char		*doc = NULL;
	char			 id[HASH_ID_LEN + 1], *pe = NULL;
	size_t			 doclen = 0, elen;

	if (!stages_kept(c->ri->st, cut->msg, cut->len)) {
		skip(c, cut);
		goto counted;
	}
	red.msg = stages_redact(c->ri->st, cut->msg, cut->len, &red.len);
	if (red.msg == NULL) {
		/* No sink will say it has room: reader_tick() tries again. */
		if (!rd->no_memory)
			log_error("input %s: out of memory to redact a record; "
			    "trying again", rd->cfg->inputs[tail_input(t)].name);
		rd->no_memory = 1;
		goto full;
	}
	values(c, rec, &v, id);
	if (stages_parse(c->ri->st, rec->msg, rec->len, rd->parsed))
		v.parsed = rd->parsed;
	if (rd->emit != NULL) {
		pe = emit_reserve(rd->emit, rd->cfg->emit_format == EMIT_JSON ?
		    record_max(c->tpl, &v) : rec->len + 1);
		if (pe == NULL)
			goto full;
	}
	/* A reservation in stdout's buffer is only a place: dropping it
	 * when the output is full costs nothing. */
	if (rd->out != NULL && output_add(rd->out, c->otpl, &v, t, tail_gen(t),
	    rec->off, rec->end, &doc, &doclen) == -1)
		goto full;
	if (pe != NULL) {
		/* stdout's json record is the output's document when its
		 * format ships the record as is: copied, not encoded again. */
		if (doc != NULL && rd->cfg->emit_format == EMIT_JSON) {
			memcpy(pe, doc, doclen);
			elen = doclen;
		} else
			elen = emit_one(c, &v, pe);
		emit_commit(rd->emit, elen, t, tail_gen(t), rec->off,
		    rec->end);
	}
	stages_taken(c->ri->st);
counted:
	rd->lines++;
	rd->bytes += cut->end - cut->off;
	rd->cut += cut->cut;
	return 0;
full:
	c->full = 1;
	return -1;
}

/* How many of the n bytes read to cut now, and whether to flush them. */
static size_t
cut_len(const struct rtail *rt, const char *buf, size_t n, int eof,
    int *flush)
{
	const char	*nl;

	*flush = 0;
	if (rt->flush == RFLUSH_ALL && eof)
		*flush = 1;
	if (rt->flush != RFLUSH_LINES)
		return n;
	/* A multiline record gone quiet: ship it, but not half a line. */
	nl = memrchr(buf, '\n', n);
	if (nl == NULL)
		return 0;
	*flush = 1;
	return (size_t)(nl - buf) + 1;
}

/*
 * A multiline record left pending by an earlier round: only the bytes
 * written since are read and matched.  1 when the record is still
 * pending after them: nothing to cut, and *r says whether there is more
 * to read now.  0 when it may end (or there is no such record) and is
 * read from its start.  A timeout's or a drain's flush cuts it as it is.
 */
static int
grow_pending(struct reader *rd, struct rtail *rt, enum pumped *r)
{
	struct tail	*t = rt->t;
	uint64_t	 was = rt->pend.next;
	ssize_t		 n;

	if (rt->pend.next == 0 || rt->flush != RFLUSH_NONE ||
	    rt->pend.off != tail_read_off(t) || rt->pend_gen != tail_gen(t))
		return 0;
	*r = PUMP_DONE;
	if (rt->pend.next >= tail_size(t))
		return 1;
	n = tail_peek(t, rt->pend.next, rd->rbuf, rd->rbuflen);
	if (n <= 0 || !line_pending_grow(&rd->inputs[tail_input(t)].lcfg,
	    &rt->pend, rd->rbuf, (size_t)n, rd->scratch, rd->scratchlen))
		return 0;
	/* A CRI record's fragments may span more than one buffer. */
	if (rt->pend.next > was && rt->pend.next < tail_size(t))
		*r = PUMP_MORE;
	return 1;
}

/*
 * max_read_rate: a token bucket per input, a second's worth deep.  A read
 * is never shorter than a record may need to be cut whole (max_line_bytes,
 * or the whole buffer when records span lines), so the bucket may go
 * below zero by one read and the rate holds over periods longer than
 * that read takes at the rate.  A file deleted while held open is read at
 * full speed: its disk space is freed only once sidelog lets it go, and
 * the throttle must not hold the emptyDir's space (README); so is every
 * file in the final drain, which has shutdown_timeout.  0: no read
 * now; else the bytes to read at most.
 */
static size_t
read_budget(struct reader *rd, struct rtail *rt, struct rinput *ri)
{
	const struct config_input	*in = &rd->cfg->inputs[tail_input(rt->t)];
	uint64_t			 now = loop_now(rd->lp), floor;

	floor = in->multiline_start != NULL || in->parse == PARSE_CRI ?
	    rd->rbuflen : in->max_line_bytes + 1 + TAIL_BACK;
	/* READER_READ_AHEAD, not the whole buffer: a pod's steady reads
	 * then leave most of it untouched (RSS). */
	if (ri->rate == 0 || tail_is_unlinked(rt->t) || rd->draining)
		return floor > READER_READ_AHEAD ? floor : READER_READ_AHEAD;
	if (now > ri->filled) {
		ri->tokens += (int64_t)(ri->rate * (now - ri->filled) / 1000);
		if (ri->tokens > (int64_t)ri->rate)
			ri->tokens = (int64_t)ri->rate;
		ri->filled = now;
	}
	if (ri->tokens <= 0)
		return 0;
	if ((uint64_t)ri->tokens > floor)
		floor = (uint64_t)ri->tokens;
	return floor < rd->rbuflen ? (size_t)floor : rd->rbuflen;
}

static void
spend(struct reader *rd, struct rtail *rt, struct rinput *ri, size_t used)
{
	if (ri->rate == 0)
		return;
	if (tail_is_unlinked(rt->t))
		rd->bypassed += used;
	else
		ri->tokens -= (int64_t)used;
}

static enum pumped
read_some(struct reader *rd, struct rtail *rt)
{
	struct tail	*t = rt->t;
	struct pumpctx	 c;
	struct timespec	 now;
	const char	*data;
	struct rinput	*ri = &rd->inputs[tail_input(t)];
	size_t		 len, used, budget;
	ssize_t		 n;
	int		 flush;
	enum pumped	 r;

	if (grow_pending(rd, rt, &r)) {
		if (r == PUMP_DONE)
			rt->dirty = 0;
		return r;
	}
	budget = read_budget(rd, rt, ri);
	if (budget == 0)
		return PUMP_DONE;	/* still dirty: reader_tick() wakes */
	n = tail_read(t, rd->rbuf, budget, &data);
	if (n <= 0) {
		rt->dirty = 0;
		return PUMP_DONE;
	}
	rd->read_total += (uint64_t)n;
	len = cut_len(rt, data, (size_t)n, tail_read_off(t) + (uint64_t)n >=
	    tail_size(t), &flush);
	memset(&c, 0, sizeof(c));
	c.rd = rd;
	c.rt = rt;
	c.ri = ri;
	c.tpl = rd->inputs[tail_input(t)].tpl;
	c.otpl = rd->inputs[tail_input(t)].otpl;
	c.path = tail_found_path(t);
	c.pathlen = strlen(c.path);
	clock_gettime(CLOCK_REALTIME, &now);
	record_time(&now, c.time);
	if (rt->pend_gen != tail_gen(t))	/* truncated since */
		memset(&rt->pend, 0, sizeof(rt->pend));
	used = line_split(&rd->inputs[tail_input(t)].lcfg, &rt->pend, data,
	    len, tail_read_off(t), flush, rd->scratch, rd->scratchlen,
	    on_record, &c);
	rt->pend_gen = tail_gen(t);
	tail_consume(t, data, used);
	spend(rd, rt, ri, used);
	if (c.skipped > 0 && rd->on_skip != NULL)
		rd->on_skip(rd->on_skip_arg);
	if (c.full)
		return PUMP_FULL;
	if (used > 0 && tail_read_off(t) < tail_size(t))
		return PUMP_MORE;
	rt->dirty = 0;
	if (rt->flush == RFLUSH_LINES || flush)
		rt->flush = rd->draining ? RFLUSH_ALL : RFLUSH_NONE;
	return PUMP_DONE;
}

static enum pumped
pump_tail(struct reader *rd, struct rtail *rt)
{
	struct tail	*t = rt->t;

	switch (tail_check(t)) {
	case TAIL_ERROR:
		rt->dirty = 0;
		tail_set_gone(t, 1);
		return PUMP_DONE;
	case TAIL_IDLE:
		rt->dirty = 0;
		return PUMP_DONE;
	case TAIL_TRUNCATED:
		rt->last_size = 0;
		break;
	case TAIL_READY:
		break;
	}
	if (tail_size(t) != rt->last_size) {
		rt->last_size = tail_size(t);
		rt->last_growth = loop_now(rd->lp);
	}
	if (rd->draining)
		rt->flush = RFLUSH_ALL;
	return read_some(rd, rt);
}

int
reader_pump(void *arg)
{
	struct reader	*rd = arg;
	enum pumped	 r;
	int		 k, i, more = 0, noroom = 0;

	if (rd->paused)
		return 0;
	for (k = 0; !rd->blocked && k < rd->ntails; k++) {
		i = (rd->next + k) % rd->ntails;
		if (!rd->tails[i].dirty || (noroom &&
		    !tail_is_open(rd->tails[i].t)))
			continue;
		/* A parked file waits for a descriptor (reader_tick comes
		 * back every READER_TICK_MS); once none is free, for the
		 * rest of the round. */
		if (reader_unpark(rd, &rd->tails[i]) == -1) {
			noroom = rd->tails[i].dirty;
			continue;
		}
		r = pump_tail(rd, &rd->tails[i]);
		if (r == PUMP_FULL) {
			rd->blocked = 1;
			rd->next = i;
		} else if (r == PUMP_MORE)
			more = 1;
	}
	if (!rd->blocked && rd->ntails > 0)
		rd->next = (rd->next + 1) % rd->ntails;
	if (rd->emit != NULL)
		emit_flush(rd->emit);
	return more && !rd->blocked;
}

void
reader_pause(struct reader *rd, int on)
{
	rd->paused = on;
	if (!on)
		loop_wake(rd->lp);
}

/* A sink has room again. */
void
reader_kick(void *arg)
{
	struct reader	*rd = arg;

	rd->blocked = 0;
	loop_wake(rd->lp);
}

/*
 * Called every READER_TICK_MS: a multiline record quiet for its timeout
 * is shipped; a gone file quiet for READER_LINGER_MS has its last line
 * shipped even without a newline, and is let go once delivered.
 */
void
reader_tick(struct reader *rd)
{
	uint64_t			 now = loop_now(rd->lp), quiet;
	const struct config_input	*in;
	struct rtail			*rt;
	int				 i, work = 0;

	for (i = 0; i < rd->ntails; i++) {
		rt = &rd->tails[i];
		in = &rd->cfg->inputs[tail_input(rt->t)];
		quiet = now - rt->last_growth;
		if (tail_read_off(rt->t) < tail_size(rt->t) &&
		    rt->flush == RFLUSH_NONE) {
			if (tail_is_gone(rt->t) && quiet >= READER_LINGER_MS)
				rt->flush = RFLUSH_ALL;
			else if (in->multiline_start != NULL &&
			    quiet >= in->multiline_timeout_ms)
				rt->flush = RFLUSH_LINES;
			if (rt->flush != RFLUSH_NONE)
				rt->dirty = 1;
		}
		work |= rt->dirty;
	}
	for (i = 0; i < rd->cfg->ninputs; i++)
		stages_tick(rd->inputs[i].st, now);
	if (rd->no_memory) {
		rd->no_memory = 0;
		rd->blocked = 0;
		work = 1;
	}
	reader_reap(rd);
	if (work)
		loop_wake(rd->lp);
}

/* Shutdown: read every file to its end, last lines without newline too. */
void
reader_drain(struct reader *rd)
{
	int	 i;

	rd->draining = 1;
	for (i = 0; i < rd->ntails; i++) {
		rd->tails[i].flush = RFLUSH_ALL;
		rd->tails[i].dirty = 1;
	}
	loop_wake(rd->lp);
}

/* Every file read to its end (as far as the last check knows). */
int
reader_all_read(struct reader *rd)
{
	struct tail	*t;
	int		 i;

	for (i = 0; i < rd->ntails; i++) {
		t = rd->tails[i].t;
		if (rd->tails[i].dirty || tail_read_off(t) < tail_size(t))
			return 0;
	}
	return 1;
}

int
reader_is_drained(struct reader *rd)
{
	struct tail	*t;
	int		 i;

	for (i = 0; i < rd->ntails; i++) {
		t = rd->tails[i].t;
		if (rd->tails[i].dirty || tail_read_off(t) < tail_size(t) ||
		    !tail_is_idle(t))
			return 0;
	}
	return 1;
}

/* Milliseconds since any file last grew, for shutdown_grace. */
uint64_t
reader_quiet_ms(const struct reader *rd)
{
	uint64_t	 latest = 0;
	int		 i;

	for (i = 0; i < rd->ntails; i++)
		if (rd->tails[i].last_growth > latest)
			latest = rd->tails[i].last_growth;
	return loop_now(rd->lp) - latest;
}
