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

static void
ws(struct json_cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
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
uescape(struct json_cur *c)
{
	unsigned	 hi, lo;

	if (hex4(c->p, c->end, &hi) == -1)
		return -1;
	c->p += 4;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return -1;
	if (hi < 0xd800 || hi > 0xdbff)
		return 0;
	if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
	    hex4(c->p + 2, c->end, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
		return -1;
	c->p += 6;
	return 0;
}

/* Bytes a string may hold as they are: printable ASCII but " and \. */
static const unsigned char plain[256] = {
	['\x20'] = 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* A string; c->p at its opening quote. */
static int
string(struct json_cur *c)
{
	const unsigned char	*u;
	size_t			 n;

	c->p++;
	for (;;) {
		/* Most of a string is plain: one test a byte for it. */
		while (c->p < c->end && plain[(unsigned char)*c->p])
			c->p++;
		if (c->p == c->end || *c->p == '"')
			break;
		u = (const unsigned char *)c->p;
		if (*u < 0x20)
			return -1;
		if (*u >= 0x80) {
			n = json_utf8_len(u, (size_t)(c->end - c->p));
			if (n == 0)
				return -1;
			c->p += n;
			continue;
		}
		c->p++;
		if (*u != '\\')
			continue;
		if (c->p == c->end)
			return -1;
		if (*c->p == 'u') {
			c->p++;
			if (uescape(c) == -1)
				return -1;
		} else if (strchr("\"\\/bfnrt", *c->p) != NULL && *c->p != '\0')
			c->p++;
		else
			return -1;
	}
	if (c->p == c->end)
		return -1;
	c->p++;
	return 0;
}

static int
digits(struct json_cur *c)
{
	const char	*start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start ? 0 : -1;
}

static int
number(struct json_cur *c)
{
	if (*c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (digits(c) == -1)
		return -1;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (digits(c) == -1)
			return -1;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (digits(c) == -1)
			return -1;
	}
	return 0;
}

static int
literal(struct json_cur *c, const char *word)
{
	size_t	 n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return -1;
	c->p += n;
	return 0;
}

void
json_cur_init(struct json_cur *c, const char *p, size_t len, int tokens)
{
	c->p = p;
	c->end = p + len;
	c->depth = 0;
	c->tokens = tokens;
}

/* The next byte that is not white space, or -1 at the end. */
int
json_peek(struct json_cur *c)
{
	ws(c);
	return c->p < c->end ? (unsigned char)*c->p : -1;
}

/* Enters the object or array that opens with open. */
int
json_enter(struct json_cur *c, char open)
{
	if (json_peek(c) != open || ++c->depth > JSON_MAX_DEPTH)
		return -1;
	c->p++;
	return 0;
}

/* A string's raw text, between the quotes, in *str, *len. */
static int
raw(struct json_cur *c, const char **str, size_t *len)
{
	const char	*open;

	if (json_peek(c) != '"')
		return -1;
	open = c->p;
	if (string(c) == -1)
		return -1;
	*str = open + 1;
	*len = (size_t)(c->p - 1 - *str);
	return 0;
}

/*
 * The next member of the object entered: 1, its name raw (escapes as
 * they stand) in *name, *len and the cursor at its value; 0, the object
 * ended (and is left); -1, not JSON.  *i counts the members, from 0.
 */
int
json_member(struct json_cur *c, int *i, const char **name, size_t *len)
{
	int	 rc = json_element(c, i, '}');

	if (rc != 1)
		return rc;
	if (raw(c, name, len) == -1 || json_peek(c) != ':')
		return -1;
	c->p++;
	return 1;
}

/* The next element of the array entered (close ']') or, for
 * json_member(), of the object (close '}'): 1, 0 or -1 likewise. */
int
json_element(struct json_cur *c, int *i, char close)
{
	int	 next = json_peek(c);

	if (next == close) {
		c->p++;
		c->depth--;
		return 0;
	}
	if (*i > 0) {
		if (next != ',')
			return -1;
		c->p++;
	}
	(*i)++;
	return 1;
}

/* A string value: its raw text, escapes as they stand. */
int
json_string(struct json_cur *c, const char **str, size_t *len)
{
	if (--c->tokens < 0)
		return -1;
	return raw(c, str, len);
}

/* A number without sign, fraction or exponent up to max, or the same
 * in a string (how OTLP writes 64-bit integers). */
int
json_uint(struct json_cur *c, uint64_t max, uint64_t *v)
{
	const char	*p, *end;
	size_t		 len;

	if (json_peek(c) == '"') {
		if (json_string(c, &p, &len) == -1)
			return -1;
		end = p + len;
	} else {
		p = c->p;
		if (json_skip(c) == -1)
			return -1;
		end = c->p;
	}
	if (p == end || (*p == '0' && end - p > 1))
		return -1;
	for (*v = 0; p < end; p++) {
		if (*p < '0' || *p > '9' ||
		    *v > (max - (uint64_t)(*p - '0')) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*p - '0');
	}
	return 0;
}

/* true or false. */
int
json_bool(struct json_cur *c, int *b)
{
	int	 next = json_peek(c);

	*b = next == 't';
	if (next != 't' && next != 'f')
		return -1;
	return literal(c, *b ? "true" : "false");
}

static int
container(struct json_cur *c, char close)
{
	const char	*k;
	size_t		 kl;
	int		 i = 0, rc;

	while ((rc = close == '}' ? json_member(c, &i, &k, &kl) :
	    json_element(c, &i, close)) == 1)
		if (json_skip(c) == -1)
			return -1;
	return rc;
}

/* Any one value. */
int
json_skip(struct json_cur *c)
{
	int	 next = json_peek(c);

	if (next == '"')
		return json_string(c, &(const char *){ NULL }, &(size_t){ 0 });
	if (next == -1 || --c->tokens < 0)
		return -1;
	switch (next) {
	case '{':
	case '[':
		return json_enter(c, (char)next) == -1 ? -1 :
		    container(c, next == '{' ? '}' : ']');
	case 't':
		return literal(c, "true");
	case 'f':
		return literal(c, "false");
	case 'n':
		return literal(c, "null");
	default:
		if (next == '-' || (next >= '0' && next <= '9'))
			return number(c);
		return -1;
	}
}

/* Whether only white space is left. */
int
json_done(struct json_cur *c)
{
	return json_peek(c) == -1;
}

/* Whether [p, p+len) is exactly one JSON value (with white space). */
int
json_valid(const char *p, size_t len)
{
	struct json_cur	 c;

	json_cur_init(&c, p, len, JSON_MAX_TOKENS);
	return json_skip(&c) == 0 && json_done(&c);
}

/*
 * A member name, decoded into o->names, its length in *klen; NULL if it
 * does not fit.  Most names hold no escape: one copy.
 */
static const char *
decode_name(struct json_obj *o, const char *p, size_t len, size_t *klen)
{
	char		*out = o->names + o->nameslen, *start = out;
	const char	*end = p + len, *bs;
	unsigned	 v;
	int		 nul = 0;

	if (o->nameslen + len + 1 > sizeof(o->names))
		return NULL;
	for (;;) {
		for (bs = p; bs < end && *bs != '\\'; bs++)
			;
		memcpy(out, p, (size_t)(bs - p));
		out += bs - p;
		if (bs == end)
			break;
		p = bs + 1;
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
		nul |= v == 0;
	}
	*out++ = '\0';
	/* A name is a C string to the rest (strcmp()): \u0000 ends it. */
	*klen = nul ? strlen(start) : (size_t)(out - start) - 1;
	o->nameslen += (size_t)(out - start);
	return start;
}

/* The first 8 bytes of key (len of them), big-endian, zero-padded:
 * comparing two as integers orders them as strcmp() would, or ties. */
static uint64_t
head(const char *key, size_t len)
{
	uint64_t	 h = 0;

	memcpy(&h, key, len < 8 ? len : 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	h = __builtin_bswap64(h);
#endif
	return h;
}

/* Whether key (len bytes) is name: no strcmp() for most names. */
static int
named(const char *key, size_t len, const char *name, size_t namelen)
{
	return name != NULL && len == namelen && memcmp(key, name, len) == 0;
}

/*
 * The member at o->n, its name and value set, taken: its name decoded,
 * and whether it is the time or the message.  Only the first of a name
 * may be either (the time only if a string); repeats are marked by
 * mark_repeats(), since comparing each name with every one before it is
 * quadratic.  o->seen: the names met already, of those two.
 */
static int
take(struct json_obj *o)
{
	struct json_member	*m = &o->members[o->n];
	size_t			 len;
	int			 is_time, is_msg, first;

	m->key = decode_name(o, m->name, m->namelen, &len);
	if (m->key == NULL)
		return -1;
	m->head = head(m->key, len);
	m->skip = 0;
	is_time = named(m->key, len, o->time_name, o->time_namelen);
	is_msg = named(m->key, len, o->msg_name, o->msg_namelen);
	first = !(is_time && (o->seen & 1)) && !(is_msg && (o->seen & 2));
	o->seen |= is_time | is_msg << 1;
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

/* A member, the cursor at its value. */
static int
member(struct json_cur *c, struct json_obj *o)
{
	struct json_member	*m = &o->members[o->n];

	ws(c);
	m->value = c->p;
	if (json_skip(c) == -1)
		return -1;
	m->valuelen = (size_t)(c->p - m->value);
	return take(o);
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
 * o->byname sorted by name, stable, so that a repeated member follows
 * the first of its name; then repeats are neighbours.  A bottom-up merge
 * sort, n log n compares whatever names a hostile line chose; a few
 * members (most lines) are sorted by insertion, which costs less there.
 */
static void
sort_names(struct json_obj *o)
{
	uint16_t	 tmp[JSON_MAX_MEMBERS], *src = o->byname, *dst = tmp;
	uint16_t	*swap, v;
	int		 n = o->n, w, lo, mid, hi, i, j, k;

	if (n <= JSON_INSERTION_MAX) {
		for (i = 1; i < n; i++) {
			v = o->byname[i];
			for (j = i; j > 0 && name_cmp(o, o->byname[j - 1], v) > 0;
			    j--)
				o->byname[j] = o->byname[j - 1];
			o->byname[j] = v;
		}
		return;
	}
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
}

static void
mark_repeats(struct json_obj *o)
{
	int	 i;

	sort_names(o);
	for (i = 1; i < o->n; i++)
		if (name_cmp(o, o->byname[i - 1], o->byname[i]) == 0)
			o->members[o->byname[i]].skip = 1;
}

/*
 * An object built member by member by a parser that writes the JSON
 * text itself (logfmt): the same marks as json_object() makes.  Names
 * are raw, between their quotes; values raw JSON text, valid.
 */
void
json_obj_begin(struct json_obj *o, const char *time_name,
    const char *msg_name)
{
	o->n = 0;
	o->nameslen = 0;
	o->seen = 0;
	o->time = o->msg = NULL;
	o->time_name = time_name;
	o->msg_name = msg_name;
	o->time_namelen = time_name != NULL ? strlen(time_name) : 0;
	o->msg_namelen = msg_name != NULL ? strlen(msg_name) : 0;
}

int
json_obj_add(struct json_obj *o, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	if (o->n == JSON_MAX_MEMBERS)
		return -1;
	o->members[o->n].name = name;
	o->members[o->n].namelen = namelen;
	o->members[o->n].value = value;
	o->members[o->n].valuelen = valuelen;
	return take(o);
}

void
json_obj_end(struct json_obj *o)
{
	mark_repeats(o);
}

/*
 * If [p, p+len) is one JSON object, its top-level members into o, with
 * the time_name and msg_name members singled out.  0, or -1: not one.
 */
int
json_object(const char *p, size_t len, const char *time_name,
    const char *msg_name, struct json_obj *o)
{
	struct json_cur	 c;
	const char	*name;
	size_t		 namelen;
	int		 i = 0, rc;

	json_obj_begin(o, time_name, msg_name);
	json_cur_init(&c, p, len, JSON_MAX_TOKENS - 1);
	if (json_enter(&c, '{') == -1)
		return -1;
	while ((rc = json_member(&c, &i, &name, &namelen)) == 1) {
		if (o->n == JSON_MAX_MEMBERS)
			return -1;
		o->members[o->n].name = name;
		o->members[o->n].namelen = namelen;
		if (member(&c, o) == -1)
			return -1;
	}
	if (rc == -1 || !json_done(&c))
		return -1;
	json_obj_end(o);
	return 0;
}
