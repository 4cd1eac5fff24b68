/*
 * json.c: strict reading of JSON that an application wrote.
 *
 * RFC 8259 to the letter (no comments, no trailing commas, no lone
 * surrogates, valid UTF-8 inside strings), bounded in depth and tokens,
 * so that what sidelog copies from a line into a record is valid JSON
 * for any backend.  Anything else is not JSON, and the line is shipped
 * as a plain message.  UTF-8 follows RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF.
 */
#include <string.h>

#include "json.h"

/* Length of the valid multi-byte sequence at p, or 0. */
size_t
json_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char	 c = p[0], lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return 0;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Bytes of the maximal invalid subpart at p: a lead byte and as many of
 * its continuation bytes as were right, replaced by one U+FFFD. */
size_t
json_utf8_bad(const unsigned char *p, size_t avail)
{
	unsigned char	 c = p[0], lo = 0x80, hi = 0xbf;
	size_t		 n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 1;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (i = 1; i < n && i < avail; i++) {
		if (i == 1 ? p[i] < lo || p[i] > hi : (p[i] & 0xc0) != 0x80)
			return i;
	}
	return i;
}

struct scan {
	const char	*p, *end;
	int		 depth, tokens;
	int		 seen_time, seen_msg;	/* json_object(): a member of
						   that name came already */
};

static void
ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
hex4(const char *p, const char *end, unsigned *v)
{
	int	 i, d;

	if (end - p < 4)
		return -1;
	for (*v = 0, i = 0; i < 4; i++) {
		d = p[i] >= '0' && p[i] <= '9' ? p[i] - '0' :
		    p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10 :
		    p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		*v = *v * 16 + (unsigned)d;
	}
	return 0;
}

/* \uXXXX (and its low surrogate) at p, after the backslash and 'u'. */
static int
uescape(struct scan *s)
{
	unsigned	 hi, lo;

	if (hex4(s->p, s->end, &hi) == -1)
		return -1;
	s->p += 4;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return -1;
	if (hi < 0xd800 || hi > 0xdbff)
		return 0;
	if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
	    hex4(s->p + 2, s->end, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
		return -1;
	s->p += 6;
	return 0;
}

/* A string; s->p at its opening quote. */
static int
string(struct scan *s)
{
	const unsigned char	*u;
	size_t			 n;

	s->p++;
	while (s->p < s->end && *s->p != '"') {
		u = (const unsigned char *)s->p;
		if (*u < 0x20)
			return -1;
		if (*u >= 0x80) {
			n = json_utf8_len(u, (size_t)(s->end - s->p));
			if (n == 0)
				return -1;
			s->p += n;
			continue;
		}
		s->p++;
		if (*u != '\\')
			continue;
		if (s->p == s->end)
			return -1;
		if (*s->p == 'u') {
			s->p++;
			if (uescape(s) == -1)
				return -1;
		} else if (strchr("\"\\/bfnrt", *s->p) != NULL && *s->p != '\0')
			s->p++;
		else
			return -1;
	}
	if (s->p == s->end)
		return -1;
	s->p++;
	return 0;
}

static int
digits(struct scan *s)
{
	const char	*start = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > start ? 0 : -1;
}

static int
number(struct scan *s)
{
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (digits(s) == -1)
		return -1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (digits(s) == -1)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (digits(s) == -1)
			return -1;
	}
	return 0;
}

static int	value(struct scan *);

static int
literal(struct scan *s, const char *word)
{
	size_t	 n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return -1;
	s->p += n;
	return 0;
}

/* The members or elements of an object or array; s->p after its open. */
static int
container(struct scan *s, char close)
{
	if (++s->depth > JSON_MAX_DEPTH)
		return -1;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		ws(s);
		if (close == '}') {
			if (s->p == s->end || *s->p != '"' || string(s) == -1)
				return -1;
			ws(s);
			if (s->p == s->end || *s->p++ != ':')
				return -1;
		}
		if (value(s) == -1)
			return -1;
		ws(s);
		if (s->p == s->end)
			return -1;
		if (*s->p == close) {
			s->p++;
			s->depth--;
			return 0;
		}
		if (*s->p++ != ',')
			return -1;
	}
}

static int
value(struct scan *s)
{
	ws(s);
	if (s->p == s->end || ++s->tokens > JSON_MAX_TOKENS)
		return -1;
	switch (*s->p) {
	case '{':
	case '[':
		s->p++;
		return container(s, s->p[-1] == '{' ? '}' : ']');
	case '"':
		return string(s);
	case 't':
		return literal(s, "true");
	case 'f':
		return literal(s, "false");
	case 'n':
		return literal(s, "null");
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return number(s);
		return -1;
	}
}

/* Whether [p, p+len) is exactly one JSON value (with white space). */
int
json_valid(const char *p, size_t len)
{
	struct scan	 s = { p, p + len, 0, 0 };

	if (value(&s) == -1)
		return 0;
	ws(&s);
	return s.p == s.end;
}

/* A member name, decoded into o->names; NULL if it does not fit. */
static const char *
decode_name(struct json_obj *o, const char *p, size_t len)
{
	char		*out = o->names + o->nameslen, *start = out;
	const char	*end = p + len;
	unsigned	 v;

	if (o->nameslen + len + 1 > sizeof(o->names))
		return NULL;
	while (p < end) {
		if (*p != '\\') {
			*out++ = *p++;
			continue;
		}
		p++;
		if (*p != 'u') {
			*out++ = *p == 'b' ? '\b' : *p == 'f' ? '\f' : *p == 'n' ?
			    '\n' : *p == 'r' ? '\r' : *p == 't' ? '\t' : *p;
			p++;
			continue;
		}
		/* Names that need \u escapes are kept apart by a byte no
		 * plain name holds. */
		hex4(p + 1, end, &v);
		*out++ = v < 0x80 ? (char)v : '\x01';
		p += 5;
	}
	*out++ = '\0';
	o->nameslen += (size_t)(out - start);
	return start;
}

/* The first 8 bytes of key up to its NUL, big-endian, zero-padded:
 * comparing two as integers orders them as strcmp() would, or ties. */
static uint64_t
head(const char *key)
{
	uint64_t	 h = 0;
	int		 i;

	for (i = 0; i < 8; i++) {
		h <<= 8;
		if (*key != '\0')
			h |= (unsigned char)*key++;
	}
	return h;
}

/*
 * A member.  Only the first of a name may be the time or the message
 * (the time only if a string); repeats are marked by mark_repeats(),
 * since comparing each name with every one before it is quadratic.
 */
static int
member(struct scan *s, struct json_obj *o, const char *time_name,
    const char *msg_name)
{
	struct json_member	*m = &o->members[o->n];
	const char		*name = s->p + 1;
	int			 is_time, is_msg, first;

	if (o->n == JSON_MAX_MEMBERS || string(s) == -1)
		return -1;
	m->name = name;
	m->namelen = (size_t)(s->p - 1 - name);
	m->key = decode_name(o, name, m->namelen);
	ws(s);
	if (m->key == NULL || s->p == s->end || *s->p++ != ':')
		return -1;
	ws(s);
	m->value = s->p;
	if (value(s) == -1)
		return -1;
	m->valuelen = (size_t)(s->p - m->value);
	m->head = head(m->key);
	m->skip = 0;
	is_time = time_name != NULL && strcmp(m->key, time_name) == 0;
	is_msg = msg_name != NULL && strcmp(m->key, msg_name) == 0;
	first = !(is_time && s->seen_time) && !(is_msg && s->seen_msg);
	s->seen_time |= is_time;
	s->seen_msg |= is_msg;
	if (first && is_time && *m->value == '"') {
		o->time = m->value;
		o->timelen = m->valuelen;
		m->skip = 1;
	} else if (first && is_msg) {
		o->msg = m->value;
		o->msglen = m->valuelen;
		m->skip = 1;
	}
	o->byname[o->n] = (uint16_t)o->n;
	o->n++;
	return 0;
}

/* Member a's name against b's, in strcmp() order. */
static int
name_cmp(const struct json_obj *o, int a, int b)
{
	const struct json_member	*x = &o->members[a];
	const struct json_member	*y = &o->members[b];

	if (x->head != y->head)
		return x->head < y->head ? -1 : 1;
	return strcmp(x->key, y->key);
}

/*
 * o->byname sorted by name, a bottom-up merge sort: stable, so that a
 * repeated member follows the first of its name, and n log n compares
 * whatever names a hostile line chose.  Repeats are then neighbours.
 */
static void
mark_repeats(struct json_obj *o)
{
	uint16_t	 tmp[JSON_MAX_MEMBERS], *src = o->byname, *dst = tmp;
	uint16_t	*swap;
	int		 n = o->n, w, lo, mid, hi, i, j, k;

	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			for (i = lo, j = mid, k = lo; k < hi; k++)
				dst[k] = i < mid && (j == hi ||
				    name_cmp(o, src[i], src[j]) <= 0) ?
				    src[i++] : src[j++];
		}
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != o->byname)
		memcpy(o->byname, src, (size_t)n * sizeof(*src));
	for (i = 1; i < n; i++)
		if (name_cmp(o, o->byname[i - 1], o->byname[i]) == 0)
			o->members[o->byname[i]].skip = 1;
}

/*
 * If [p, p+len) is one JSON object, its top-level members into o, with
 * the time_name and msg_name members singled out.  0, or -1: not one.
 */
int
json_object(const char *p, size_t len, const char *time_name,
    const char *msg_name, struct json_obj *o)
{
	struct scan	 s = { p, p + len, 1, 1 };

	o->n = 0;
	o->nameslen = 0;
	o->time = o->msg = NULL;
	ws(&s);
	if (s.p == s.end || *s.p++ != '{')
		return -1;
	ws(&s);
	if (s.p < s.end && *s.p == '}')
		s.p++;
	else
		for (;;) {
			ws(&s);
			if (s.p == s.end || *s.p != '"' ||
			    member(&s, o, time_name, msg_name) == -1)
				return -1;
			ws(&s);
			if (s.p == s.end)
				return -1;
			if (*s.p == '}') {
				s.p++;
				break;
			}
			if (*s.p++ != ',')
				return -1;
		}
	ws(&s);
	if (s.p != s.end)
		return -1;
	mark_repeats(o);
	return 0;
}
