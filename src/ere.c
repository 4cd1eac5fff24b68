/*
 * ere.c: a filter's regex matched without regexec() when it is in the
 * subset ere.h lists; regexec() on a C string copy for the rest.
 *
 * Compiling: each top-level branch is parsed into items (a quantified
 * atom, or a group of alternatives), then expanded into chains, one per
 * choice of alternatives, each chain a run of positions in one 64-bit
 * word followed by an end bit.  Only whether a match exists is asked,
 * so a chain is trimmed: without ^ its leading optional positions go
 * (a match with them holds one without) and a first x+ becomes x;
 * without $ the same at its end.  Matching is then extended shift-and
 * (Navarro and Raffinot): a bit per position reached, optional
 * positions skipped by one carry, repeated ones kept by a mask.  The
 * invariant: the automaton's language is the pattern's, byte for byte,
 * with NUL in no position's set, so no match ever spans a NUL.
 */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ere.h"

#define ERE_ITEMS	64	/* items in a branch */
#define ERE_PIECES	256	/* quantified atoms in a pattern */
#define ERE_ALTS	16	/* alternatives in a group */
#define ERE_SEARCHES	8	/* literals searched for, more: none */
#define ERE_DUP_MAX	255	/* RE_DUP_MAX in musl and glibc */
#define ERE_MERGE	3	/* shortest prefix two literals share */
#define ERE_INF		0xffffffffu	/* no maximum */

#define NONE		SIZE_MAX	/* no occurrence left */
#define STALE		(SIZE_MAX - 1)	/* not searched for yet */

struct cls {				/* a set of bytes */
	uint64_t	 w[4];
};

struct piece {				/* an atom and its quantifier */
	struct cls	 c;
	unsigned	 min, max;	/* max ERE_INF: unbounded */
};

struct item {				/* a piece, or a group */
	int		 nalt;		/* 0: the piece first */
	int		 first;		/* alternative 0's first piece */
	int		 end[ERE_ALTS];	/* alternative i: up to end[i] */
};

struct branch {
	int		 bol, eol;	/* ^ first, $ last */
	int		 nitem;
	struct item	 item[ERE_ITEMS];
};

struct pos {				/* one position of a chain */
	struct cls	 c;
	int		 opt, rep;	/* may be skipped, may repeat */
};

/* A literal every match of some chains holds, minpre to maxpre bytes
 * after the match's start. */
struct search {
	unsigned char	 lit[ERE_POSITIONS];
	size_t		 k;
	size_t		 r1, r2;	/* where its two rarest bytes are */
	size_t		 rmax;		/* the greater */
	size_t		 minpre, maxpre; /* maxpre SIZE_MAX: unbounded */
	uint64_t	 starts;	/* its first bit in each chain */
	uint64_t	 skip;		/* the state once it is read, when
					   next_window() may set it at once */
};

struct ere {
	regex_t		 rx;
	int		 fast;
	uint64_t	 b[256];	/* the positions a byte may take */
	uint64_t	 opt, rep;	/* optional, repeating positions */
	uint64_t	 first;		/* chains' first positions, no ^ */
	uint64_t	 first_bol;	/* and of chains with ^ */
	uint64_t	 acc, acc_eol;	/* chains' ends, without $, with $ */
	int		 nbits;
	int		 eol;		/* a chain has $: find the NUL */
	size_t		 tail;		/* SIZE_MAX, or every chain has $
					   and none is longer than this */
	int		 nsearch;	/* -1: a chain has no literal */
	struct search	 search[ERE_SEARCHES];
};

/* The state of one compilation. */
struct comp {
	const unsigned char *p;
	struct ere	*e;
	struct piece	 piece[ERE_PIECES];
	int		 npiece;
	struct branch	 br;
	struct pos	 chain[ERE_POSITIONS];	/* a choice being built */
	struct pos	 out[ERE_POSITIONS];	/* trimmed and placed */
};

enum { C_ALPHA, C_DIGIT, C_ALNUM, C_SPACE, C_UPPER, C_LOWER, C_PUNCT,
    C_XDIGIT, C_BLANK, C_CNTRL, C_PRINT, C_GRAPH, C_NCLASS };

static const char *const class_names[C_NCLASS] = { "alpha", "digit",
    "alnum", "space", "upper", "lower", "punct", "xdigit", "blank",
    "cntrl", "print", "graph" };

/* --- byte sets ---------------------------------------------------------- */

static void
cls_set(struct cls *c, int b)
{
	c->w[b >> 6] |= (uint64_t)1 << (b & 63);
}

static int
cls_has(const struct cls *c, int b)
{
	return (c->w[b >> 6] >> (b & 63)) & 1;
}

/* The C locale's classes, spelled out: nothing >= 0x80 is in one. */
static int
class_has(int k, int c)
{
	int	 up = c >= 'A' && c <= 'Z', lo = c >= 'a' && c <= 'z';
	int	 dg = c >= '0' && c <= '9';

	switch (k) {
	case C_ALPHA:	return up || lo;
	case C_DIGIT:	return dg;
	case C_ALNUM:	return up || lo || dg;
	case C_SPACE:	return c == ' ' || (c >= '\t' && c <= '\r');
	case C_UPPER:	return up;
	case C_LOWER:	return lo;
	case C_PUNCT:	return c > ' ' && c < 0x7f && !up && !lo && !dg;
	case C_XDIGIT:	return dg || (c >= 'a' && c <= 'f') ||
			    (c >= 'A' && c <= 'F');
	case C_BLANK:	return c == ' ' || c == '\t';
	case C_CNTRL:	return c < ' ' || c == 0x7f;
	case C_PRINT:	return c >= ' ' && c < 0x7f;
	case C_GRAPH:	return c > ' ' && c < 0x7f;
	}
	return 0;
}

static void
cls_class(struct cls *c, int k)
{
	int	 b;

	for (b = 1; b < 0x80; b++)
		if (class_has(k, b))
			cls_set(c, b);
}

/* Every byte but NUL not in c. */
static void
cls_negate(struct cls *c)
{
	int	 i;

	for (i = 0; i < 4; i++)
		c->w[i] = ~c->w[i];
	c->w[0] &= ~(uint64_t)1;
}

/* The byte when c holds exactly one, else -1. */
static int
cls_single(const struct cls *c)
{
	int	 b, one = -1;

	for (b = 0; b < 256; b++)
		if (cls_has(c, b)) {
			if (one != -1)
				return -1;
			one = b;
		}
	return one;
}

/* --- parsing: 0, or -1 for "not in the subset" -------------------------- */

/* At "[:": one of the twelve classes into c, p past its ":]". */
static int
parse_class(struct comp *k, struct cls *c)
{
	const char	*name = (const char *)k->p + 2;
	const char	*end = strstr(name, ":]");
	int		 i;

	if (end == NULL)
		return -1;
	for (i = 0; i < C_NCLASS; i++)
		if (strlen(class_names[i]) == (size_t)(end - name) &&
		    memcmp(class_names[i], name, end - name) == 0) {
			cls_class(c, i);
			k->p = (const unsigned char *)end + 2;
			return 0;
		}
	return -1;
}

/*
 * After '[': a bracket expression into c, p past its ']'.  A ']' or '-'
 * first and a '-' last are literal; a '-' elsewhere must make a range
 * between two plain bytes.  Backslashes, collating elements and
 * equivalence classes are left to regexec().
 */
static int
parse_bracket(struct comp *k, struct cls *c)
{
	int	 neg = 0, first = 1, lo, hi, b;

	if (*k->p == '^') {
		neg = 1;
		k->p++;
	}
	for (;; first = 0) {
		lo = *k->p;
		if (lo == ']' && !first)
			break;
		if (lo == '\0' || lo >= 0x80 || lo == '\\' ||
		    (lo == '-' && !first && k->p[1] != ']'))
			return -1;
		if (lo == '[' && (k->p[1] == '.' || k->p[1] == '='))
			return -1;
		if (lo == '[' && k->p[1] == ':') {
			if (parse_class(k, c) == -1 ||
			    (*k->p == '-' && k->p[1] != ']'))
				return -1;
			continue;
		}
		hi = lo;
		if (*++k->p == '-' && k->p[1] != ']') {
			hi = k->p[1];
			if (lo == '-' || lo == ']' || lo == '[' ||
			    hi == '\0' || hi >= 0x80 || hi == '\\' ||
			    hi == '[' || hi == '-' || hi < lo)
				return -1;
			k->p += 2;
		}
		for (b = lo; b <= hi; b++)
			cls_set(c, b);
	}
	k->p++;
	if (neg)
		cls_negate(c);
	return 0;
}

/* At '\': an escaped special byte, or one of the four classes both
 * libcs agree on (\d and \n, say, differ). */
static int
parse_escape(struct comp *k, struct cls *c)
{
	int	 b = k->p[1];

	k->p += 2;
	if (b != '\0' && strchr(".[]()*+?{}|^$\\", b) != NULL) {
		cls_set(c, b);
		return 0;
	}
	if (b == 's' || b == 'S')
		cls_class(c, C_SPACE);
	else if (b == 'w' || b == 'W') {
		cls_class(c, C_ALNUM);
		cls_set(c, '_');
	} else
		return -1;
	if (b == 'S' || b == 'W')
		cls_negate(c);
	return 0;
}

static int
parse_atom(struct comp *k, struct cls *c)
{
	int	 b = *k->p;

	memset(c, 0, sizeof(*c));
	if (b == '[') {
		k->p++;
		return parse_bracket(k, c);
	}
	if (b == '.') {
		k->p++;
		cls_negate(c);
		return 0;
	}
	if (b == '\\')
		return parse_escape(k, c);
	if (b == '\0' || b >= 0x80 || strchr("()|*+?{}]^$", b) != NULL)
		return -1;
	k->p++;
	cls_set(c, b);
	return 0;
}

/* A number of at most three digits, at most ERE_DUP_MAX. */
static int
parse_count(struct comp *k, unsigned *n)
{
	int	 digits = 0;

	*n = 0;
	while (*k->p >= '0' && *k->p <= '9' && digits < 3) {
		*n = *n * 10 + (*k->p++ - '0');
		digits++;
	}
	return digits == 0 || *n > ERE_DUP_MAX ? -1 : 0;
}

/* At '{': {m}, {m,} or {m,n}. */
static int
parse_interval(struct comp *k, unsigned *min, unsigned *max)
{
	k->p++;
	if (parse_count(k, min) == -1)
		return -1;
	*max = *min;
	if (*k->p == ',') {
		k->p++;
		*max = ERE_INF;
		if (*k->p != '}' && parse_count(k, max) == -1)
			return -1;
	}
	if (*k->p != '}' || *max < *min)
		return -1;
	k->p++;
	return 0;
}

/* An atom and at most one quantifier, as the next piece. */
static int
parse_piece(struct comp *k)
{
	struct piece	*pc;

	if (k->npiece == ERE_PIECES)
		return -1;
	pc = &k->piece[k->npiece];
	if (parse_atom(k, &pc->c) == -1)
		return -1;
	pc->min = pc->max = 1;
	if (*k->p == '*' || *k->p == '?')
		pc->min = 0;
	if (*k->p == '*' || *k->p == '+')
		pc->max = ERE_INF;
	if (*k->p == '{') {
		if (parse_interval(k, &pc->min, &pc->max) == -1)
			return -1;
	} else if (*k->p == '*' || *k->p == '+' || *k->p == '?')
		k->p++;
	if (*k->p != '\0' && strchr("*+?{", *k->p) != NULL)
		return -1;
	k->npiece++;
	return 0;
}

/* After '(': alternatives of pieces up to ')', no quantifier after. */
static int
parse_group(struct comp *k, struct item *it)
{
	int	 start;

	it->first = k->npiece;
	for (;;) {
		start = k->npiece;
		while (*k->p != '|' && *k->p != ')')
			if (*k->p == '(' || parse_piece(k) == -1)
				return -1;
		if (k->npiece == start || it->nalt == ERE_ALTS)
			return -1;
		it->end[it->nalt++] = k->npiece;
		if (*k->p++ == ')')
			break;
	}
	if (*k->p != '\0' && strchr("*+?{", *k->p) != NULL)
		return -1;
	return 0;
}

/* One top-level branch, up to '|' or the end. */
static int
parse_branch(struct comp *k, struct branch *b)
{
	struct item	*it;

	memset(b, 0, sizeof(*b));
	if (*k->p == '^') {
		b->bol = 1;
		k->p++;
	}
	while (*k->p != '\0' && *k->p != '|') {
		if (*k->p == '$') {
			k->p++;
			b->eol = 1;
			return *k->p == '\0' || *k->p == '|' ? 0 : -1;
		}
		if (b->nitem == ERE_ITEMS)
			return -1;
		it = &b->item[b->nitem++];
		if (*k->p == '(') {
			k->p++;
			if (parse_group(k, it) == -1)
				return -1;
		} else {
			it->first = k->npiece;
			if (parse_piece(k) == -1)
				return -1;
		}
	}
	return b->nitem == 0 && !b->bol ? -1 : 0;
}

/* --- chains ------------------------------------------------------------- */

static int
push(struct comp *k, int n, const struct cls *c, int opt, int rep)
{
	if (n == ERE_POSITIONS)
		return -1;
	k->chain[n].c = *c;
	k->chain[n].opt = opt;
	k->chain[n].rep = rep;
	return n + 1;
}

/* A piece's positions after the chain's first n; the new length. */
static int
add_piece(struct comp *k, int n, const struct piece *pc)
{
	unsigned	 i;

	if (pc->max == ERE_INF && pc->min == 0)
		return push(k, n, &pc->c, 1, 1);
	for (i = 0; i < pc->min && n != -1; i++)
		n = push(k, n, &pc->c, 0, pc->max == ERE_INF &&
		    i + 1 == pc->min);
	for (; pc->max != ERE_INF && i < pc->max && n != -1; i++)
		n = push(k, n, &pc->c, 1, 0);
	return n;
}

/* How common a byte is in log lines (logfmt, JSON, text), 0 the
 * rarest: a rough order. */
static int
commonness(int b)
{
	static const char	 common[] = " e=taoi0n1s2r\"h3l4d5c6u7m8f9p:"
	    "g.w-y/b_v,kTx{}SEAIRNOjqzCDLMPUGHFBWVKYXJQZ";
	const char		*p = b == 0 ? NULL : strchr(common, b);

	return p == NULL ? 0 : (int)(sizeof(common) - (p - common));
}

static int
is_lit(const struct pos *p)
{
	return !p->opt && !p->rep && cls_single(&p->c) != -1;
}

/*
 * A chain's literal to search for (ere.h): its longest run of positions
 * each one byte, neither optional nor repeated, a run with a bounded
 * prefix preferred.  0, or -1 when it has none.
 */
static int
chain_literal(const struct pos *ch, int n, struct search *f)
{
	size_t	 minpre = 0, maxpre = 0, bmin = 0, bmax = 0;
	int	 i = 0, j, c, best = -1, bestlen = 0;

	while (i < n) {
		for (j = i; j < n && is_lit(&ch[j]); j++)
			;
		if (j - i > bestlen || (j > i && j - i == bestlen &&
		    bmax == SIZE_MAX && maxpre != SIZE_MAX)) {
			best = i;
			bestlen = j - i;
			bmin = minpre;
			bmax = maxpre;
		}
		if (j < n)
			j++;	/* the position ending the run */
		for (c = i; c < j; c++) {
			minpre += !ch[c].opt;
			maxpre = ch[c].rep || maxpre == SIZE_MAX ? SIZE_MAX :
			    maxpre + 1;
		}
		i = j;
	}
	if (best == -1)
		return -1;
	for (i = 0; i < bestlen; i++)
		f->lit[i] = (unsigned char)cls_single(&ch[best + i].c);
	f->k = (size_t)bestlen;
	f->minpre = bmin;
	f->maxpre = bmax;
	f->starts = (uint64_t)best;	/* a position; a bit once placed */
	return 0;
}

static size_t
common_prefix(const struct search *a, const struct search *b)
{
	size_t	 i;

	for (i = 0; i < a->k && i < b->k && a->lit[i] == b->lit[i]; i++)
		;
	return i;
}

/* Adds a chain's literal to the searches, merged with one sharing a
 * prefix when it may (level=warn and level=error: one search). */
static void
add_search(struct ere *e, const struct search *f)
{
	struct search	*g;
	size_t		 cp;
	int		 i;

	for (i = 0; i < e->nsearch; i++) {
		g = &e->search[i];
		cp = common_prefix(g, f);
		if (cp == 0 || (cp < ERE_MERGE && cp != g->k && cp != f->k))
			continue;
		g->k = cp;
		g->minpre = g->minpre < f->minpre ? g->minpre : f->minpre;
		g->maxpre = g->maxpre > f->maxpre ? g->maxpre : f->maxpre;
		g->starts |= f->starts;
		return;
	}
	if (e->nsearch == ERE_SEARCHES)
		e->nsearch = -1;
	else
		e->search[e->nsearch++] = *f;
}

/* A chain of n positions into the automaton, at its next bits. */
static int
place(struct ere *e, const struct branch *br, const struct pos *ch, int n)
{
	uint64_t	 bit;
	int		 i, b, base = e->nbits;

	if (base + n + 1 > ERE_POSITIONS)
		return -1;
	for (i = 0; i < n; i++) {
		bit = (uint64_t)1 << (base + i);
		for (b = 1; b < 256; b++)
			if (cls_has(&ch[i].c, b))
				e->b[b] |= bit;
		if (ch[i].opt)
			e->opt |= bit;
		if (ch[i].rep) {
			e->rep |= bit;
			e->tail = SIZE_MAX;
		}
	}
	bit = (uint64_t)1 << base;
	if (br->bol)
		e->first_bol |= bit;
	else
		e->first |= bit;
	bit = (uint64_t)1 << (base + n);
	if (br->eol)
		e->acc_eol |= bit;
	else
		e->acc |= bit;
	e->nbits = base + n + 1;
	return 0;
}

/*
 * The chain built (k->chain[0, n)) for one choice of alternatives,
 * trimmed (see the top) in a copy, as the next choice shares its start,
 * placed, and its literal searched for when it has no ^.
 */
static int
emit(struct comp *k, const struct branch *br, int n)
{
	struct ere	*e = k->e;
	struct pos	*ch = k->out;
	struct search	 f;
	int		 lo = 0, hi = n, base = e->nbits;

	memcpy(ch, k->chain, (size_t)n * sizeof(*ch));
	if (!br->bol) {
		while (lo < hi && ch[lo].opt)
			lo++;
		if (lo < hi)
			ch[lo].rep = 0;
	}
	if (!br->eol) {
		while (hi > lo && ch[hi - 1].opt)
			hi--;
		if (hi > lo)
			ch[hi - 1].rep = 0;
	}
	ch += lo;
	n = hi - lo;
	e->eol |= br->eol;
	if (!br->eol)
		e->tail = SIZE_MAX;
	else if (e->tail != SIZE_MAX && (size_t)n > e->tail)
		e->tail = (size_t)n;
	if (place(e, br, ch, n) == -1)
		return -1;
	if (br->bol || e->nsearch == -1)
		return 0;
	if (chain_literal(ch, n, &f) == -1)
		e->nsearch = -1;
	else {
		f.starts = (uint64_t)1 << (base + f.starts);
		add_search(e, &f);
	}
	return 0;
}

/* Every chain of a branch from item i on, the first n positions built. */
static int
expand(struct comp *k, const struct branch *br, int i, int n)
{
	const struct item	*it = &br->item[i];
	int			 a, j, m, lo;

	if (i == br->nitem)
		return emit(k, br, n);
	if (it->nalt == 0) {
		n = add_piece(k, n, &k->piece[it->first]);
		return n == -1 ? -1 : expand(k, br, i + 1, n);
	}
	lo = it->first;
	for (a = 0; a < it->nalt; a++) {
		m = n;
		for (j = lo; j < it->end[a] && m != -1; j++)
			m = add_piece(k, m, &k->piece[j]);
		if (m == -1 || expand(k, br, i + 1, m) == -1)
			return -1;
		lo = it->end[a];
	}
	return 0;
}

/* Where a literal's two rarest bytes are (the same when it has one). */
static void
rarest(struct search *f)
{
	size_t	 i;

	f->r1 = 0;
	for (i = 1; i < f->k; i++)
		if (commonness(f->lit[i]) < commonness(f->lit[f->r1]))
			f->r1 = i;
	f->r2 = f->r1 == 0 && f->k > 1 ? 1 : 0;
	for (i = 0; i < f->k; i++)
		if (i != f->r1 &&
		    commonness(f->lit[i]) < commonness(f->lit[f->r2]))
			f->r2 = i;
	f->rmax = f->r1 > f->r2 ? f->r1 : f->r2;
}

/* Each search's rarest bytes, and whether it may be skipped over: only
 * one search, at the start of every chain, and no proper prefix of it
 * also a suffix (then no other occurrence starts inside it). */
static void
finish_searches(struct ere *e)
{
	struct search	*f;
	size_t		 l;
	int		 s;

	for (s = 0; s < e->nsearch; s++) {
		f = &e->search[s];
		rarest(f);
		f->skip = 0;
		if (e->nsearch != 1 || f->maxpre != 0)
			continue;
		for (l = 1; l < f->k; l++)
			if (memcmp(f->lit, f->lit + f->k - l, l) == 0)
				break;
		if (l == f->k)
			f->skip = f->starts << (f->k - 1);
	}
}

static int
compile(struct comp *k)
{
	struct ere	*e = k->e;

	e->tail = 0;
	for (;;) {
		if (parse_branch(k, &k->br) == -1 ||
		    expand(k, &k->br, 0, 0) == -1)
			return -1;
		if (*k->p == '\0')
			break;
		k->p++;
	}
	finish_searches(e);
	return 0;
}

struct ere *
ere_new(const char *pattern)
{
	struct ere	*e;
	struct comp	*k;

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	if (regcomp(&e->rx, pattern, REG_EXTENDED | REG_NOSUB) != 0) {
		free(e);
		return NULL;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		ere_free(e);
		return NULL;
	}
	k->e = e;
	k->p = (const unsigned char *)pattern;
	e->fast = compile(k) == 0;
	free(k);
	return e;
}

void
ere_free(struct ere *e)
{
	if (e == NULL)
		return;
	regfree(&e->rx);
	free(e);
}

int
ere_is_fast(const struct ere *e)
{
	return e->fast;
}

/* --- matching ----------------------------------------------------------- */

#if defined(__SSE2__)
/* The bytes s[c, c + 16) equal to v, as bits. */
static inline unsigned
eq16(const unsigned char *s, size_t c, __m128i v)
{
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(
	    (const __m128i *)(const void *)(s + c)), v));
}

/* The first start in m (bits from c) at most last holding f's literal. */
static size_t
verify(const unsigned char *s, size_t c, uint32_t m, size_t last,
    const struct search *f)
{
	size_t	 q;

	for (; m != 0; m &= m - 1) {
		q = c + (size_t)__builtin_ctz(m);
		if (q > last)
			break;
		if (memcmp(s + q, f->lit, f->k) == 0)
			return q;
	}
	return NONE;
}

/*
 * The first occurrence of f's literal starting in [from, n - k], or
 * NONE: 32 then 16 starts a step, where both its rarest bytes are, then
 * memcmp.  The last step overlaps the one before rather than read past
 * s + n; a line too short for one is read a byte at a time.
 */
static size_t
find(const unsigned char *s, size_t n, size_t from, const struct search *f)
{
	const unsigned char	*p1 = s + f->r1, *p2 = s + f->r2;
	const __m128i		 v1 = _mm_set1_epi8((char)f->lit[f->r1]);
	const __m128i		 v2 = _mm_set1_epi8((char)f->lit[f->r2]);
	size_t			 c = from, last, end, q;
	uint32_t		 m;

	if (f->k > n || from > n - f->k)
		return NONE;
	last = n - f->k;
	if (n < 16 + f->rmax) {
		for (; c <= last; c++)
			if (s[c + f->r1] == f->lit[f->r1] &&
			    memcmp(s + c, f->lit, f->k) == 0)
				return c;
		return NONE;
	}
	end = n - 16 - f->rmax;		/* the last start of a step */
	for (; c + 16 <= end; c += 32) {
		m = (eq16(p1, c, v1) & eq16(p2, c, v2)) |
		    (eq16(p1, c + 16, v1) & eq16(p2, c + 16, v2)) << 16;
		if (m != 0 && (q = verify(s, c, m, last, f)) != NONE)
			return q;
	}
	if (c <= end) {
		m = eq16(p1, c, v1) & eq16(p2, c, v2);
		if (m != 0 && (q = verify(s, c, m, last, f)) != NONE)
			return q;
		c += 16;
	}
	if (c > last)
		return NONE;
	m = (eq16(p1, end, v1) & eq16(p2, end, v2)) >> (c - end) << (c - end);
	return m == 0 ? NONE : verify(s, end, m, last, f);
}

/* Where the first NUL of s[0, n) is, or n.  As in find(), the last
 * step overlaps the one before. */
static size_t
nul_at(const unsigned char *s, size_t n)
{
	const __m128i	 z = _mm_setzero_si128();
	size_t		 i;
	uint32_t	 m;

	if (n < 16) {
		for (i = 0; i < n; i++)
			if (s[i] == '\0')
				return i;
		return n;
	}
	for (i = 0; i + 16 <= n; i += 16)
		if ((m = eq16(s, i, z)) != 0)
			return i + (size_t)__builtin_ctz(m);
	if (i == n)
		return n;
	m = eq16(s, n - 16, z) >> (i - (n - 16)) << (i - (n - 16));
	return m == 0 ? n : n - 16 + (size_t)__builtin_ctz(m);
}
#else
/* The first occurrence of f's literal at or after from, or NONE. */
static size_t
find(const unsigned char *s, size_t n, size_t from, const struct search *f)
{
	const unsigned char	*p, *h, *lim;

	if (f->k > n || from > n - f->k)
		return NONE;
	p = s + from + f->r1;
	lim = s + (n - f->k) + f->r1 + 1;
	while ((h = memchr(p, f->lit[f->r1], (size_t)(lim - p))) != NULL) {
		if (h[(ptrdiff_t)f->r2 - (ptrdiff_t)f->r1] == f->lit[f->r2] &&
		    memcmp(h - f->r1, f->lit, f->k) == 0)
			return (size_t)(h - f->r1 - s);
		p = h + 1;
	}
	return NONE;
}

static size_t
nul_at(const unsigned char *s, size_t n)
{
	const unsigned char	*p = memchr(s, '\0', n);

	return p == NULL ? n : (size_t)(p - s);
}
#endif

/*
 * With no position reached at t: the next place a match may start,
 * from the next occurrence of each search's literal (a match starting
 * at m holds one at m + minpre to m + maxpre), or NONE.  When the one
 * search may be skipped over, *d and the place returned are those after
 * reading it.  q[i]: search i's last occurrence, reused while a match
 * may still start before it (each byte is searched about once).
 */
static size_t
next_window(const struct ere *e, const unsigned char *s, size_t n,
    size_t t, size_t *q, uint64_t *d)
{
	const struct search	*f;
	size_t			 best = NONE, w;
	int			 i;

	for (i = 0; i < e->nsearch; i++) {
		f = &e->search[i];
		if (q[i] == STALE || (q[i] != NONE && q[i] < t + f->minpre))
			q[i] = find(s, n, t + f->minpre, f);
		if (q[i] == NONE)
			continue;
		w = f->maxpre == SIZE_MAX || q[i] < t + f->maxpre ? t :
		    q[i] - f->maxpre;
		if (w < best)
			best = w;
	}
	if (best != NONE && e->search[0].skip != 0 && best == q[0]) {
		*d = e->search[0].skip;
		return q[0] + e->search[0].k;
	}
	return best;
}

/*
 * Whether s[0, n) holds a match; *end: where the one found ends.  x:
 * the positions that may take the next byte (after the bytes before t,
 * optional ones skipped); d: those that took the last.
 */
static int
run(const struct ere *e, const unsigned char *s, size_t n, size_t *end)
{
	size_t		 q[ERE_SEARCHES], t = 0;
	uint64_t	 d = 0, x;
	int		 i;

	for (i = 0; i < e->nsearch; i++)
		q[i] = STALE;
	if (e->tail != SIZE_MAX && n > e->tail)
		t = n - e->tail;
	for (;;) {
		if (d == 0 && (t > 0 || e->first_bol == 0)) {
			if (e->first == 0)
				return 0;
			if (e->nsearch > 0 &&
			    (t = next_window(e, s, n, t, q, &d)) == NONE)
				return 0;
		}
		x = (d << 1) | e->first | (t == 0 ? e->first_bol : 0);
		x |= (e->opt + (x & e->opt)) ^ e->opt;
		*end = t;
		if (x & e->acc)
			return 1;
		if (t == n)
			return (x & e->acc_eol) != 0;
		d = (x | (d & e->rep)) & e->b[s[t]];
		t++;
	}
}

int
ere_match(const struct ere *e, const char *s, size_t len, char *cbuf)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 end, nul;

	if (!e->fast) {
		memcpy(cbuf, s, len);
		cbuf[len] = '\0';
		return regexec(&e->rx, cbuf, 0, NULL, 0) == 0;
	}
	if (e->eol)
		return run(e, u, nul_at(u, len), &end);
	if (!run(e, u, len, &end))
		return 0;
	/* No match spans a NUL, but one may lie after it. */
	nul = nul_at(u, end);
	return nul == end || run(e, u, nul, &end);
}
