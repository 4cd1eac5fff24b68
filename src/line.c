/*
 * line.c: a file's bytes into records, with no state between calls but
 * the caller's note of a multiline record left pending (line.h).
 *
 * Two levels.  A logical line is one newline-terminated line, or for
 * parse = cri one kubelet line with its P fragments joined up to the F.
 * A record is one logical line, or with multiline.start the logical
 * lines from one that matches up to the next that does.  Whatever is not
 * complete yet is left unconsumed and read again next call; nothing is
 * ever longer than max_bytes, and a cut never splits a UTF-8 sequence.
 * Plain lines are passed by pointer into the caller's buffer: the common
 * case copies nothing.  Scratch holds, in three regions of max_bytes + 1,
 * joined CRI fragments, a joined multiline CRI record, and a line made a
 * C string for regexec() (musl has no REG_STARTEND) when ere.c leaves
 * multiline.start to it.
 */
#include <string.h>

#include "ere.h"
#include "line.h"

#define CRI_PREFIX_MAX	96	/* "2026-...Z stdout F " with room to spare */

/* One logical line; positions are offsets in the caller's buffer. */
struct lline {
	const char	*msg;
	size_t		 len;
	size_t		 start, end;	/* its bytes: [start, end) */
	const char	*time;
	size_t		 timelen;
	enum line_stream stream;
	int		 cut;		/* did not end with a newline */
};

struct split {
	const struct line_cfg	*cfg;
	const char		*buf;
	size_t			 len;
	uint64_t		 off;
	int			 flush;
	char			*join;		/* CRI fragments */
	char			*rec;		/* a multiline CRI record */
	char			*cstr;		/* a line for ere_match() */
	line_take_fn		*take;
	void			*ctx;
	struct line_pending	*pend;		/* or NULL: stateless */
	uint64_t		 matched;	/* lines that start before this
						   offset start no record */
};

enum { LL_OK, LL_MORE };

/*
 * Where to cut a run of bytes at most max long: max, or earlier so that
 * a valid multi-byte UTF-8 sequence stays whole (never at 0).
 */
static size_t
utf8_cut(const unsigned char *p, size_t avail, size_t max)
{
	size_t	 j, need, k;

	if (max >= avail || (p[max] & 0xc0) != 0x80)
		return max;
	for (j = max; j > 0 && max - j < 4; j--) {
		if ((p[j - 1] & 0xc0) == 0x80)
			continue;
		j--;
		need = (p[j] & 0xe0) == 0xc0 ? 2 : (p[j] & 0xf0) == 0xe0 ? 3 :
		    (p[j] & 0xf8) == 0xf0 ? 4 : 0;
		if (need == 0 || j + need <= max || j == 0)
			return max;
		for (k = j + 1; k < j + need && k < avail; k++)
			if ((p[k] & 0xc0) != 0x80)
				return max;
		return j;
	}
	return max;
}

/* One physical line at pos, at most limit bytes before its newline. */
static int
physical(const struct split *s, size_t pos, size_t limit, struct lline *l)
{
	const char	*p = s->buf + pos, *nl;
	size_t		 avail = s->len - pos;

	memset(l, 0, sizeof(*l));
	l->msg = p;
	l->start = pos;
	nl = memchr(p, '\n', avail < limit + 1 ? avail : limit + 1);
	if (nl != NULL) {
		l->len = (size_t)(nl - p);
		l->end = pos + l->len + 1;
		return LL_OK;
	}
	if (avail > limit)
		l->len = utf8_cut((const unsigned char *)p, avail, limit);
	else if (s->flush && avail > 0)
		l->len = avail;
	else
		return LL_MORE;
	l->end = pos + l->len;
	l->cut = 1;
	return LL_OK;
}

/* "TIMESTAMP STREAM P|F[:more] MESSAGE": 1 if l is such a line, its
 * message, time and stream then replaced by the parsed parts. */
static int
cri_parse(struct lline *l, int *partial)
{
	const char	*p = l->msg, *end = l->msg + l->len, *ts, *sp, *tagend;
	size_t		 n;

	sp = memchr(p, ' ', (size_t)(end - p));
	if (sp == NULL || sp == p || *p < '0' || *p > '9')
		return 0;
	ts = p;
	n = (size_t)(sp - p);
	p = sp + 1;
	if (end - p >= 7 && memcmp(p, "stdout ", 7) == 0)
		l->stream = LINE_STREAM_STDOUT;
	else if (end - p >= 7 && memcmp(p, "stderr ", 7) == 0)
		l->stream = LINE_STREAM_STDERR;
	else
		return 0;
	p += 7;
	if (p == end || (*p != 'P' && *p != 'F'))
		return 0;
	*partial = *p == 'P';
	sp = memchr(p, ' ', (size_t)(end - p));
	tagend = sp != NULL ? sp : end;
	if (tagend - p != 1 && p[1] != ':')
		return 0;
	sp = tagend;
	l->time = ts;
	l->timelen = n;
	l->msg = sp < end ? sp + 1 : end;
	l->len = (size_t)(end - l->msg);
	return 1;
}

/*
 * A CRI logical line: P fragments of one stream joined into s->join up
 * to its F line.  Another stream, a line that is not CRI, or max_bytes
 * ends the join early, shipped as it is (cut).  A first fragment longer
 * than max_bytes by itself is cut as a whole line is: nothing of it
 * would be in s->join yet.
 */
static int
cri_logical(const struct split *s, size_t pos, struct lline *out)
{
	size_t		 max = s->cfg->max_bytes, joined = 0;
	struct lline	 l;
	int		 partial, rc;

	rc = physical(s, pos, max + CRI_PREFIX_MAX, &l);
	if (rc != LL_OK)
		return rc;
	if (l.cut || !cri_parse(&l, &partial) || !partial || l.len > max) {
		*out = l;
		if (out->len > max) {
			out->len = utf8_cut((const unsigned char *)out->msg,
			    out->len, max);
			out->end = (size_t)(out->msg + out->len - s->buf);
			out->cut = 1;
		}
		return LL_OK;
	}
	*out = l;
	out->msg = s->join;
	out->cut = 1;
	for (;;) {
		if (joined + l.len > max)
			return LL_OK;	/* ends before this fragment */
		memcpy(s->join + joined, l.msg, l.len);
		joined += l.len;
		out->len = joined;
		out->end = l.end;
		if (!partial) {
			out->cut = 0;
			return LL_OK;
		}
		rc = physical(s, l.end, max + CRI_PREFIX_MAX, &l);
		if (rc == LL_MORE)
			return s->flush ? LL_OK : LL_MORE;
		if (l.cut || !cri_parse(&l, &partial) ||
		    l.stream != out->stream)
			return LL_OK;
	}
}

static int
logical(const struct split *s, size_t pos, struct lline *l)
{
	if (s->cfg->parse == PARSE_CRI)
		return cri_logical(s, pos, l);
	return physical(s, pos, s->cfg->max_bytes, l);
}

static int
deliver(const struct split *s, const struct lline *first, const char *msg,
    size_t len, size_t end, int cut)
{
	struct line_rec	 r;

	r.msg = msg;
	r.len = len;
	r.off = s->off + first->start;
	r.end = s->off + end;
	r.time = first->time;
	r.timelen = first->timelen;
	r.stream = first->stream;
	r.cut = cut;
	return s->take(s->ctx, &r);
}

static int
starts_record(const struct split *s, const struct lline *l)
{
	if (s->off + l->start < s->matched)
		return 0;
	return ere_match(s->cfg->multiline, l->msg, l->len, s->cstr);
}

/*
 * Joins to a record whose last line is *last, of *total message bytes,
 * the logical lines that follow, until one that starts a record, a cut
 * line or max_bytes.  LL_OK: the record ends there; LL_MORE: the bytes
 * end first.  rec: where a CRI record is joined, or NULL.
 */
static int
extend(const struct split *s, struct lline *last, size_t *total, char *rec)
{
	struct lline	 l;

	while (!last->cut) {
		if (logical(s, last->end, &l) == LL_MORE)
			return LL_MORE;
		if (*total + 1 + l.len > s->cfg->max_bytes ||
		    starts_record(s, &l))
			return LL_OK;
		if (rec != NULL) {
			rec[*total] = '\n';
			memcpy(rec + *total + 1, l.msg, l.len);
		}
		*total += 1 + l.len;
		*last = l;
	}
	return LL_OK;
}

/*
 * A multiline record from the logical line at pos: it takes the lines
 * that follow until one that starts a record, or max_bytes.  Returns the
 * position after it, 0 when it is not complete yet (noted in s->pend),
 * -1 when take() refused it.
 */
static long
multiline(const struct split *s, size_t pos)
{
	struct lline	 first, last;
	size_t		 total;
	int		 cri = s->cfg->parse == PARSE_CRI;

	if (logical(s, pos, &first) == LL_MORE)
		return 0;
	last = first;
	total = first.len;
	if (cri)
		memcpy(s->rec, first.msg, first.len);
	if (extend(s, &last, &total, cri ? s->rec : NULL) == LL_MORE &&
	    !s->flush) {
		if (s->pend != NULL)
			*s->pend = (struct line_pending){ s->off + pos,
			    s->off + last.end, total };
		return 0;
	}
	if (deliver(s, &first, cri ? s->rec : first.msg, total, last.end,
	    last.cut) == -1)
		return -1;
	return (long)last.end;
}

static void
split_init(struct split *s, const struct line_cfg *cfg, const char *buf,
    size_t len, uint64_t off, char *scratch, size_t scratchlen)
{
	size_t	 third = scratchlen / 3;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->buf = buf;
	s->len = len;
	s->off = off;
	s->join = scratch;
	s->rec = scratch + third;
	s->cstr = scratch + 2 * third;
}

/*
 * pend, if not NULL, is the note of an earlier call: when it is of the
 * record at off, its lines before pend->next are not matched again.  On
 * return it is the note of the record left pending at the offset
 * returned, or all zero.
 */
size_t
line_split(const struct line_cfg *cfg, struct line_pending *pend,
    const char *buf, size_t len, uint64_t off, int flush, char *scratch,
    size_t scratchlen, line_take_fn *take, void *ctx)
{
	struct split	 s;
	struct lline	 l;
	size_t		 pos = 0;
	long		 next;

	split_init(&s, cfg, buf, len, off, scratch, scratchlen);
	s.flush = flush;
	s.take = take;
	s.ctx = ctx;
	s.pend = pend;
	if (pend != NULL) {
		if (pend->next != 0 && pend->off == off)
			s.matched = pend->next;
		memset(pend, 0, sizeof(*pend));
	}
	while (pos < len) {
		if (cfg->multiline != NULL) {
			next = multiline(&s, pos);
			s.matched = 0;	/* the note was of the first only */
			if (next <= 0)
				break;
			pos = (size_t)next;
			continue;
		}
		if (logical(&s, pos, &l) == LL_MORE ||
		    deliver(&s, &l, l.msg, l.len, l.end, l.cut) == -1)
			break;
		pos = l.end;
	}
	return pos;
}

/*
 * buf holds the file's bytes from pend->next on: the lines of them that
 * continue the pending record are matched and noted in pend.  1: the
 * record is still pending after them; 0: it ends in them, and the caller
 * reads it from pend->off and cuts it with line_split().
 */
int
line_pending_grow(const struct line_cfg *cfg, struct line_pending *pend,
    const char *buf, size_t len, char *scratch, size_t scratchlen)
{
	struct split	 s;
	struct lline	 last;
	size_t		 total = pend->total;
	int		 rc;

	split_init(&s, cfg, buf, len, pend->next, scratch, scratchlen);
	memset(&last, 0, sizeof(last));		/* "ends" where buf starts */
	rc = extend(&s, &last, &total, NULL);
	pend->next += last.end;
	pend->total = total;
	return rc == LL_MORE;
}
