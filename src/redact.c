/*
 * redact.c: an input's redaction rules and the masking of one message
 * (redact.h says how matches combine and what is guaranteed).  It
 * reads bytes and writes bytes: which input, the metric and the key
 * file are the caller's.  The built-ins are hand-written scanners, not
 * regexes (musl's regexec costs microseconds a line): each first looks
 * for a byte its matches must hold ('@', '.', a digit, 'b', 'J', 'A',
 * or the last letter of a key, 'd' or 'y') and is done when the line
 * has none.
 *
 * The built-in rules.  "Word character": an ASCII letter, digit or _.
 *
 * email: LOCAL@DOMAIN.  LOCAL is the run of letters, digits and . _ % + -
 *   just before the @, cut after its last ".." and with leading dots
 *   dropped, not ending in a dot.  DOMAIN is the run of letters, digits,
 *   hyphens and dots just after the @, less trailing dots: labels not
 *   empty, not starting or ending with a hyphen, at least two, the last
 *   (the TLD) two or more letters.  So quotes, <>, "mailto:", "u=" in a
 *   URL's query and a sentence's full stop stay outside the match.
 * ipv4: four decimal octets (1 to 3 digits, 0-255, leading zeros
 *   allowed) joined by dots, not preceded by a word character or a dot,
 *   not followed by a word character or by a dot and a digit: so not in
 *   1.2.3.4.5, v10.1.2.3 or 1.2.3.4a.  A port or /prefix after it stays.
 * credit_card: 13 to 19 digits passing the Luhn check, written either
 *   as one run of digits, or in groups all split by single spaces or all
 *   by single hyphens: 4-4-4-N (N 1 to 4), 4-4-4-4-N (N 1 to 3), 4-6-5 or
 *   4-6-4.  Not preceded or followed by a word character, nor by a dot
 *   and a digit (a decimal); a longer run of digits (20 or more) is no
 *   card, but a card may be followed by a separator and more digits.
 * bearer: the credentials after the word Bearer (any case, not preceded
 *   by a word character) and one or more spaces: an RFC 6750 b64token,
 *   the run of letters, digits and - . _ ~ + / =, of 8 characters or
 *   more.  After "Authorization:" or "Proxy-Authorization:" (any case,
 *   quotes and blanks allowed around the colon), the credentials of
 *   Bearer or Basic are matched whatever their length.  The word Bearer
 *   (or Basic) stays: "Bearer [REDACTED:bearer]".
 * jwt: three base64url runs (letters, digits, - and _) joined by dots,
 *   the first starting "eyJ" (a JSON header) and 10 characters or more,
 *   the second 2 or more, the third possibly empty (an unsigned token),
 *   with any further ".run" (JWE) taken too; not preceded by a base64url
 *   character or a dot.
 * aws_key: an access key id, AKIA, ASIA, ABIA or ACCA then 16 upper-case
 *   letters or digits, as a word (no word character either side); and
 *   the value of a key ending in secret_access_key or secretaccesskey
 *   (any case), read as for password.
 * password: the value of a key that ends in "password" or "passwd", or
 *   is "pwd" (any case: db_password, PASSWORD, userPassword; also the
 *   PWD of an environment dump).  A key is a run of letters, digits and
 *   _ . -, or such a run in quotes ("..." or '...', or \"...\" inside a
 *   JSON string); then optional blanks, "=", "=>" or ":", optional
 *   blanks, then the value: "...", '...' or \"...\" quoted (backslash
 *   escapes honoured; the content is matched, the quotes stay, so JSON
 *   stays valid; unterminated, it runs to the end), or, for an unquoted
 *   key only, unquoted: up to a blank, a control byte or one of
 *   " ' \ & , ; (a closing bracket right after it is masked with it).
 *   After a quoted key a value that is not a string (a JSON number,
 *   null) is left alone.  A value that is itself exactly a marker is not
 *   matched again.
 *
 * Custom rules are POSIX extended regexes; regexec() wants a C string
 * (musl has no REG_STARTEND), so the text is copied with a NUL after it
 * and matched piece by piece between its NUL bytes: "^" matches at the
 * message's start only, "$" at its end only, and no match spans a NUL.
 * An empty match is skipped.  XXX: each regexec() reads on from where
 * the last match ended, so a regex matching very often in a long line
 * costs that line's length per match.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <mbedtls/md.h>

#include "config.h"
#include "redact.h"

#define REDACT_MAX_MATCHERS	(REDACT_MAX_RULES + 1)	/* aws_key has two */
#define REDACT_MARK_OPEN	"[REDACTED:"
#define REDACT_MARK_OPENLEN	10
#define REDACT_JWT_HEAD_MIN	10	/* "eyJhbGciOiJub25lIn0" is 19 */
#define REDACT_JWT_BODY_MIN	2	/* "e30" is {} */
#define REDACT_BEARER_MIN	8	/* token bytes without Authorization: */
#define REDACT_HMAC_HELD	256	/* what mbedtls_md_setup allocates, about */

/* Character classes of the scanners. */
#define CT_DIGIT	0x001
#define CT_ALPHA	0x002
#define CT_WORD		0x004	/* A-Za-z0-9_ */
#define CT_LOCAL	0x008	/* an email's local part */
#define CT_LABEL	0x010	/* a domain label */
#define CT_B64T		0x020	/* RFC 6750 b64token, less "=" */
#define CT_B64URL	0x040	/* RFC 4648 section 5 */
#define CT_KEY		0x080	/* a key of key=value */
#define CT_VSTOP	0x100	/* ends an unquoted value */

static unsigned short	 ctab[256];

struct redact;
struct matcher;

typedef int	(*find_fn)(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);

/* The keys whose values a key=value rule matches. */
struct kv_name {
	const char	*s;		/* lower case; NULL ends the list */
	size_t		 len;
	int		 suffix;	/* a key ending in s, or s only */
};
#define KV_SUFFIX(lit)	{ lit, sizeof(lit) - 1, 1 }
#define KV_WHOLE(lit)	{ lit, sizeof(lit) - 1, 0 }

struct kv_keys {
	char		 last;		/* the last letter of each, lower case */
	struct kv_name	 names[4];
};

struct matcher {
	find_fn			 find;
	int			 rule;
	const struct kv_keys	*keys;	/* find_kv */
	const regex_t		*rx;	/* find_regex */
};

/* A run of the original message to be masked. */
struct span {
	size_t		 start, end;
	int		 rule;		/* the earliest rule that matched in it */
};

/* Where span k's marker is in the masked text, and what it stands for. */
struct mark {
	size_t		 tstart, tend;
	size_t		 ostart, oend;
};

struct redact {
	int		 nrules;
	char		 names[REDACT_MAX_RULES][REDACT_NAME_MAX + 1];
	size_t		 namelen[REDACT_MAX_RULES];
	struct matcher	 m[REDACT_MAX_MATCHERS];
	int		 nm;
	regex_t		 rx[REDACT_MAX_RULES];
	int		 nrx;		/* compiled, to be freed */
	/* With a key: HMAC-SHA256 with its pads hashed once, reset for
	 * each span. */
	mbedtls_md_context_t hmac;
	int		 keyed;

	/* One call's state. */
	uint64_t	 hits[REDACT_MAX_RULES];	/* counted on success */
	struct span	 spans[REDACT_MAX_SPANS];	/* sorted, disjoint */
	int		 nspans;
	struct mark	 marks[REDACT_MAX_SPANS];	/* of the last mask */
	int		 nmarks;
	char		*mask;		/* the message, plain markers */
	size_t		 masklen, maskcap;
	char		*out;		/* the message, keyed markers */
	size_t		 outlen, outcap;
	char		*cstr;		/* the text scanned, NUL after, for regexec */
	size_t		 cstrcap;
	size_t		 segstart, segend;	/* find_regex's piece of cstr */
};

static int	find_email(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);
static int	find_ipv4(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);
static int	find_card(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);
static int	find_bearer(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);
static int	find_jwt(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);
static int	find_aws_id(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);
static int	find_kv(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);
static int	find_regex(struct redact *, const struct matcher *,
		    const char *, size_t, size_t, size_t *, size_t *);

static const struct kv_keys password_keys = {
	'd', { KV_SUFFIX("password"), KV_SUFFIX("passwd"), KV_WHOLE("pwd") }
};
static const struct kv_keys aws_secret_keys = {
	'y', { KV_SUFFIX("secret_access_key"), KV_SUFFIX("secretaccesskey") }
};

static const struct builtin {
	const char		*name;
	find_fn			 find[2];
	const struct kv_keys	*keys[2];
} builtins[] = {
	{ "email",	 { find_email, NULL },	{ NULL, NULL } },
	{ "ipv4",	 { find_ipv4, NULL },	{ NULL, NULL } },
	{ "credit_card", { find_card, NULL },	{ NULL, NULL } },
	{ "bearer",	 { find_bearer, NULL },	{ NULL, NULL } },
	{ "jwt",	 { find_jwt, NULL },	{ NULL, NULL } },
	{ "aws_key",	 { find_aws_id, find_kv }, { NULL, &aws_secret_keys } },
	{ "password",	 { find_kv, NULL },	{ &password_keys, NULL } },
};
#define NBUILTINS	(sizeof(builtins) / sizeof(builtins[0]))

/* --- characters ------------------------------------------------------ */

static void
ctab_set(const char *chars, unsigned short f)
{
	for (; *chars != '\0'; chars++)
		ctab[(unsigned char)*chars] |= f;
}

static void
ctab_init(void)
{
	int	 c;

	if (ctab['a'] != 0)
		return;
	for (c = 0; c < 256; c++) {
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			ctab[c] |= CT_ALPHA;
		if (c >= '0' && c <= '9')
			ctab[c] |= CT_DIGIT;
		if (ctab[c] & (CT_ALPHA | CT_DIGIT))
			ctab[c] |= CT_WORD | CT_LOCAL | CT_LABEL | CT_B64T |
			    CT_B64URL | CT_KEY;
		if (c <= ' ' || c == 0x7f)
			ctab[c] |= CT_VSTOP;
	}
	ctab_set("_", CT_WORD | CT_LOCAL | CT_B64T | CT_B64URL | CT_KEY);
	ctab_set(".%+-", CT_LOCAL);
	ctab_set("-", CT_LABEL | CT_B64URL);
	ctab_set("-.~+/", CT_B64T);
	ctab_set(".-", CT_KEY);
	ctab_set("\"'\\&,;", CT_VSTOP);
}

/*
 * Bit k set where s[c + k] | fold is ch, for c + k < n, k < 16: where a
 * rule's key byte is in the next sixteen, fold 0x20 taking a letter in
 * either case.  A scanner walks the set bits (most lines hold few), so
 * a hit costs no new search.  The last step re-reads bytes before c
 * rather than read past s + n; a message under 16 bytes goes a byte at
 * a time.
 */
#if defined(__SSE2__)
static inline unsigned
eq16(const char *s, size_t c, unsigned char ch, unsigned char fold)
{
	__m128i	 v;

	v = _mm_loadu_si128((const __m128i *)(const void *)(s + c));
	v = _mm_or_si128(v, _mm_set1_epi8((char)fold));
	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v,
	    _mm_set1_epi8((char)ch)));
}
#endif

static unsigned
match16(const char *s, size_t n, size_t c, unsigned char ch,
    unsigned char fold)
{
	unsigned	 m = 0;
	size_t		 k;

#if defined(__SSE2__)
	if (n >= 16)
		return c + 16 <= n ? eq16(s, c, ch, fold) :
		    eq16(s, n - 16, ch, fold) >> (c - (n - 16));
#endif
	for (k = 0; k < 16 && c + k < n; k++)
		if (((unsigned char)s[c + k] | fold) == ch)
			m |= 1U << k;
	return m;
}

/* As match16, for s[c, c + 32): two steps a loop turn. */
static inline uint32_t
match32(const char *s, size_t n, size_t c, unsigned char ch,
    unsigned char fold)
{
	uint32_t	 m;

#if defined(__SSE2__)
	if (c + 32 <= n)
		return eq16(s, c, ch, fold) |
		    (uint32_t)eq16(s, c + 16, ch, fold) << 16;
#endif
	m = match16(s, n, c, ch, fold);
	if (c + 16 < n)
		m |= (uint32_t)match16(s, n, c + 16, ch, fold) << 16;
	return m;
}

static int
is(char c, unsigned short f)
{
	return (ctab[(unsigned char)c] & f) != 0;
}

/* ASCII case-insensitive: s[0..l) against lower-case lit. */
static int
ieq(const char *s, const char *lit, size_t l)
{
	size_t	 i;

	char	 c;

	for (i = 0; i < l; i++) {
		c = s[i] >= 'A' && s[i] <= 'Z' ? s[i] + ('a' - 'A') : s[i];
		if (c != lit[i])
			return 0;
	}
	return 1;
}

/* --- email ----------------------------------------------------------- */

/* The end of a valid DOMAIN starting at d, or 0. */
static size_t
domain_end(const char *s, size_t n, size_t d)
{
	size_t	 e = d, k, lab = d;
	int	 dots = 0;

	while (e < n && (is(s[e], CT_LABEL) || s[e] == '.'))
		e++;
	while (e > d && s[e - 1] == '.')
		e--;
	for (k = d; k <= e; k++) {
		if (k < e && s[k] != '.')
			continue;
		if (k == lab || s[lab] == '-' || s[k - 1] == '-')
			return 0;
		if (k < e) {
			dots++;
			lab = k + 1;
		}
	}
	if (dots == 0 || e - lab < 2)
		return 0;
	for (k = lab; k < e; k++)
		if (!is(s[k], CT_ALPHA))
			return 0;
	return e;
}

/* The email at the '@' at a, or 0. */
static int
email_at(const char *s, size_t n, size_t from, size_t a, size_t *ms,
    size_t *me)
{
	size_t	 i, j, e;

	for (i = a; i > from && is(s[i - 1], CT_LOCAL); i--)
		;
	if (i == a || s[a - 1] == '.')
		return 0;
	for (j = a - 1; j > i; j--)
		if (s[j] == '.' && s[j - 1] == '.') {
			i = j + 1;
			break;
		}
	while (s[i] == '.')
		i++;
	e = domain_end(s, n, a + 1);
	if (e == 0)
		return 0;
	*ms = i;
	*me = e;
	return 1;
}

static int
find_email(struct redact *r, const struct matcher *m, const char *s,
    size_t n, size_t from, size_t *ms, size_t *me)
{
	size_t		 c;
	uint32_t	 bits;

	for (c = from; c < n; c += 32)
		for (bits = match32(s, n, c, '@', 0); bits != 0;
		    bits &= bits - 1)
			if (email_at(s, n, from,
			    c + (size_t)__builtin_ctz(bits), ms, me))
				return 1;
	return 0;
}

/* --- ipv4 ------------------------------------------------------------ */

/* The end of a dotted quad starting at i, or 0. */
static size_t
ipv4_end(const char *s, size_t n, size_t i)
{
	size_t	 p = i;
	int	 k, nd, v;

	if (i > 0 && (is(s[i - 1], CT_WORD) || s[i - 1] == '.'))
		return 0;
	for (k = 0; k < 4; k++) {
		if (k > 0) {
			if (p >= n || s[p] != '.')
				return 0;
			p++;
		}
		for (v = 0, nd = 0; p < n && is(s[p], CT_DIGIT) && nd < 4;
		    p++, nd++)
			v = v * 10 + (s[p] - '0');
		if (nd == 0 || nd > 3 || v > 255)
			return 0;
	}
	if (p < n && is(s[p], CT_WORD))
		return 0;
	if (p + 1 < n && s[p] == '.' && is(s[p + 1], CT_DIGIT))
		return 0;
	return p;
}

static int
find_ipv4(struct redact *r, const struct matcher *m, const char *s,
    size_t n, size_t from, size_t *ms, size_t *me)
{
	const char	*dot;
	size_t		 p = from, d, i, e;

	while (p < n && (dot = memchr(s + p, '.', n - p)) != NULL) {
		d = dot - s;
		p = d + 1;
		for (i = d; i > from && d - i < 3 && is(s[i - 1], CT_DIGIT);
		    i--)
			;
		if (i == d || (e = ipv4_end(s, n, i)) == 0)
			continue;
		*ms = i;
		*me = e;
		return 1;
	}
	return 0;
}

/* --- credit_card ----------------------------------------------------- */

#define CARD_GROUPS	5	/* 4-4-4-4-N has the most */

static int
luhn(const char *s, size_t a, size_t b)
{
	int	 sum = 0, dbl = 0, d;

	while (b > a) {
		b--;
		if (!is(s[b], CT_DIGIT))
			continue;
		d = s[b] - '0';
		if (dbl && (d *= 2) > 9)
			d -= 9;
		sum += d;
		dbl = !dbl;
	}
	return sum % 10 == 0;
}

/* Whether the first k groups are written as a card is. */
static int
card_shape(const int *lens, const char *seps, int k)
{
	int	 i, last = lens[k - 1];

	for (i = 1; i < k - 1; i++)
		if (seps[i] != seps[0])
			return 0;
	if (k == 1)
		return lens[0] >= 13 && lens[0] <= 19;
	if (k == 3 && lens[0] == 4 && lens[1] == 6 &&
	    (lens[2] == 5 || lens[2] == 4))
		return 1;
	if (k != 4 && k != 5)
		return 0;
	for (i = 0; i < k - 1; i++)
		if (lens[i] != 4)
			return 0;
	return last >= 1 && last <= (k == 4 ? 4 : 3);
}

static int
card_edge_ok(const char *s, size_t n, size_t before, size_t after)
{
	if (before > 0 && (is(s[before - 1], CT_WORD) || (s[before - 1] ==
	    '.' && before >= 2 && is(s[before - 2], CT_DIGIT))))
		return 0;
	if (after < n && (is(s[after], CT_WORD) || (s[after] == '.' &&
	    after + 1 < n && is(s[after + 1], CT_DIGIT))))
		return 0;
	return 1;
}

/*
 * A card starting at group start g of the run [a, b) of digits and
 * single separators: the most groups that make one, Luhn-checked.
 */
static int
card_at(const char *s, size_t n, size_t g, size_t a, size_t b, size_t *ms,
    size_t *me)
{
	size_t	 ends[CARD_GROUPS], p = g, q;
	int	 lens[CARD_GROUPS], ng = 0, k;
	char	 seps[CARD_GROUPS];

	while (ng < CARD_GROUPS && p < b) {
		for (q = p; q < b && is(s[q], CT_DIGIT); q++)
			;
		if (q - p > 19)
			break;
		lens[ng] = q - p;
		ends[ng] = q;
		seps[ng] = q < b ? s[q] : '\0';
		ng++;
		p = q + 1;
	}
	for (k = ng; k >= 1; k--) {
		if (!card_shape(lens, seps, k))
			continue;
		if (!card_edge_ok(s, n, g == a ? g : 0,
		    ends[k - 1] == b ? b : n))
			continue;
		if (!luhn(s, g, ends[k - 1]))
			continue;
		*ms = g;
		*me = ends[k - 1];
		return 1;
	}
	return 0;
}

static int
find_card(struct redact *r, const struct matcher *m, const char *s,
    size_t n, size_t from, size_t *ms, size_t *me)
{
	size_t	 p = from, a, b, g;

	while (p < n) {
		while (p < n && !is(s[p], CT_DIGIT))
			p++;
		/* The run: digits and single separators between digits. */
		for (a = p, b = p; ; b++) {
			while (b < n && is(s[b], CT_DIGIT))
				b++;
			if (b + 1 >= n || (s[b] != ' ' && s[b] != '-') ||
			    !is(s[b + 1], CT_DIGIT))
				break;
		}
		p = b;
		if (b - a < 13)
			continue;
		for (g = a; g < b; g++) {
			if (card_at(s, n, g, a, b, ms, me))
				return 1;
			while (g < b && is(s[g], CT_DIGIT))
				g++;
		}
	}
	return 0;
}

/* --- bearer ---------------------------------------------------------- */

static int
is_blankq(char c)
{
	return c == ' ' || c == '\t' || c == '"' || c == '\'';
}

/* Whether the scheme word at p follows "Authorization:". */
static int
after_authorization(const char *s, size_t p)
{
	size_t	 j = p;

	while (j > 0 && is_blankq(s[j - 1]))
		j--;
	if (j == 0 || s[j - 1] != ':')
		return 0;
	for (j--; j > 0 && is_blankq(s[j - 1]); j--)
		;
	if (j < 13 || !ieq(s + j - 13, "authorization", 13))
		return 0;
	return j == 13 || !is(s[j - 14], CT_WORD);
}

/* The credentials after the scheme word at p, or 0. */
static int
bearer_at(const char *s, size_t n, size_t p, size_t *ms, size_t *me)
{
	size_t	 t, e;
	int	 bearer;

	if (p > 0 && is(s[p - 1], CT_WORD))
		return 0;
	if (ieq(s + p, "bearer ", 7)) {
		t = p + 7;
		bearer = 1;
	} else if (ieq(s + p, "basic ", 6)) {
		t = p + 6;
		bearer = 0;
	} else
		return 0;
	while (t < n && s[t] == ' ')
		t++;
	for (e = t; e < n && (is(s[e], CT_B64T) || s[e] == '='); e++)
		;
	if (e == t || s[t] == '=')
		return 0;
	if (!(bearer && e - t >= REDACT_BEARER_MIN) &&
	    !after_authorization(s, p))
		return 0;
	*ms = t;
	*me = e;
	return 1;
}

/* A 'b' is only a candidate with room for "basic " after it. */
static int
find_bearer(struct redact *r, const struct matcher *m, const char *s,
    size_t n, size_t from, size_t *ms, size_t *me)
{
	size_t		 c, p;
	uint32_t	 bits;

	for (c = from; c < n; c += 32)
		for (bits = match32(s, n, c, 'b', 0x20); bits != 0;
		    bits &= bits - 1) {
			p = c + (size_t)__builtin_ctz(bits);
			if (p + 6 >= n)
				return 0;
			if (bearer_at(s, n, p, ms, me))
				return 1;
		}
	return 0;
}

/* --- jwt ------------------------------------------------------------- */

static size_t
b64url_end(const char *s, size_t n, size_t p)
{
	while (p < n && is(s[p], CT_B64URL))
		p++;
	return p;
}

static int
find_jwt(struct redact *r, const struct matcher *m, const char *s,
    size_t n, size_t from, size_t *ms, size_t *me)
{
	const char	*j;
	size_t		 p = from, q, st, e1, e2, e3;

	while (p < n && (j = memchr(s + p, 'J', n - p)) != NULL) {
		q = j - s;
		p = q + 1;
		if (q < from + 2 || s[q - 2] != 'e' || s[q - 1] != 'y')
			continue;
		st = q - 2;
		if (st > 0 && (is(s[st - 1], CT_B64URL) || s[st - 1] == '.'))
			continue;
		e1 = b64url_end(s, n, st);
		if (e1 - st < REDACT_JWT_HEAD_MIN || e1 >= n || s[e1] != '.')
			continue;
		e2 = b64url_end(s, n, e1 + 1);
		if (e2 - e1 - 1 < REDACT_JWT_BODY_MIN || e2 >= n ||
		    s[e2] != '.')
			continue;
		e3 = b64url_end(s, n, e2 + 1);
		while (e3 + 1 < n && s[e3] == '.' && is(s[e3 + 1], CT_B64URL))
			e3 = b64url_end(s, n, e3 + 1);
		*ms = st;
		*me = e3;
		return 1;
	}
	return 0;
}

/* --- aws_key --------------------------------------------------------- */

static int
find_aws_id(struct redact *r, const struct matcher *m, const char *s,
    size_t n, size_t from, size_t *ms, size_t *me)
{
	static const char	 prefixes[][5] = { "AKIA", "ASIA", "ABIA",
	    "ACCA" };
	const char		*a;
	size_t			 p = from, q, k;
	int			 i;

	while (p < n && (a = memchr(s + p, 'A', n - p)) != NULL) {
		q = a - s;
		p = q + 1;
		if (n - q < 20)
			return 0;
		for (i = 0; i < 4 && memcmp(s + q, prefixes[i], 4) != 0; i++)
			;
		if (i == 4 || (q > 0 && is(s[q - 1], CT_WORD)))
			continue;
		for (k = q + 4; k < q + 20; k++)
			if (!is(s[k], CT_DIGIT) && (s[k] < 'A' || s[k] > 'Z'))
				break;
		if (k < q + 20 || (k < n && is(s[k], CT_WORD)))
			continue;
		*ms = q;
		*me = k;
		return 1;
	}
	return 0;
}

/* --- password (and aws_key's secret): key=value ---------------------- */

/* Whether s[0..l) is exactly a marker this file writes. */
static int
is_marker(const char *s, size_t l)
{
	size_t	 i;

	if (l < REDACT_MARK_OPENLEN + 2 || s[l - 1] != ']' ||
	    memcmp(s, REDACT_MARK_OPEN, REDACT_MARK_OPENLEN) != 0)
		return 0;
	for (i = REDACT_MARK_OPENLEN; i < l - 1 && ((s[i] >= 'a' &&
	    s[i] <= 'z') || is(s[i], CT_DIGIT) || s[i] == '_'); i++)
		;
	if (i == REDACT_MARK_OPENLEN ||
	    i - REDACT_MARK_OPENLEN > REDACT_NAME_MAX)
		return 0;
	if (i == l - 1)
		return 1;
	if (s[i] != ':' || l - 1 - (i + 1) != REDACT_HASH_DIGITS)
		return 0;
	for (i++; i < l - 1; i++)
		if (!is(s[i], CT_DIGIT) && (s[i] < 'a' || s[i] > 'f'))
			return 0;
	return 1;
}

static int
key_is(const struct kv_keys *keys, const char *k, size_t l)
{
	const struct kv_name	*nm;
	int			 i;

	for (i = 0; i < 4 && keys->names[i].s != NULL; i++) {
		nm = &keys->names[i];
		if (nm->suffix ? l >= nm->len && ieq(k + l - nm->len, nm->s,
		    nm->len) : l == nm->len && ieq(k, nm->s, l))
			return 1;
	}
	return 0;
}

/* The closing quote q of a value from cs (backslash escapes), or n. */
static size_t
quoted_end(const char *s, size_t n, size_t cs, char q)
{
	size_t	 e;

	for (e = cs; e < n; e++) {
		if (s[e] == '\\')
			e++;
		else if (s[e] == q)
			return e;
	}
	return n;
}

/*
 * The closing \" of a value quoted \"...\" inside a JSON string, or n.
 * There \\ is a backslash of the inner string, which escapes the next
 * inner character: one outer escape (two bytes) or one byte.
 */
static size_t
escquoted_end(const char *s, size_t n, size_t cs)
{
	size_t	 e = cs;

	while (e < n) {
		if (s[e] != '\\') {
			e++;
			continue;
		}
		if (e + 1 >= n)
			return n;
		if (s[e + 1] == '"')
			return e;
		e += 2;
		if (s[e - 1] == '\\')
			e += e < n && s[e] == '\\' ? 2 : 1;
	}
	return n;
}

/* The value of a listed key whose separator is at i. */
static int
kv_at(const struct kv_keys *keys, const char *s, size_t n, size_t i,
    size_t *ms, size_t *me)
{
	size_t	 j = i, k, v, cs, ce;
	char	 q = '\0';
	int	 esc = 0;

	while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t'))
		j--;
	if (j > 0 && (s[j - 1] == '"' || s[j - 1] == '\'')) {
		q = s[--j];
		if (q == '"' && j > 0 && s[j - 1] == '\\') {
			esc = 1;
			j--;
		}
	}
	if (j == 0 || (s[j - 1] | 0x20) != keys->last)
		return 0;
	for (k = j; k > 0 && is(s[k - 1], CT_KEY); k--)
		;
	if (!key_is(keys, s + k, j - k))
		return 0;
	if (q != '\0' && (k == 0 || s[k - 1] != q ||
	    (esc && (k < 2 || s[k - 2] != '\\'))))
		return 0;
	v = i + 1;
	if (s[i] == '=' && v < n && s[v] == '>')
		v++;
	while (v < n && (s[v] == ' ' || s[v] == '\t'))
		v++;
	if (v == n)
		return 0;
	if (s[v] == '"' || s[v] == '\'') {
		cs = v + 1;
		ce = quoted_end(s, n, cs, s[v]);
	} else if (s[v] == '\\' && v + 1 < n && s[v + 1] == '"') {
		cs = v + 2;
		ce = escquoted_end(s, n, cs);
	} else if (q != '\0')
		return 0;
	else
		for (cs = ce = v; ce < n && !is(s[ce], CT_VSTOP); ce++)
			;
	if (ce <= cs || is_marker(s + cs, ce - cs))
		return 0;
	*ms = cs;
	*me = ce;
	return 1;
}

/*
 * The bytes of s[c, c + 32) that may end a listed key: keys->last, then
 * (when in reach) a byte kv_sep_after may read next: below '>' (signed,
 * so with bytes over 0x7f), or a backslash.  A superset: kv_sep_after
 * decides.
 */
#if defined(__SSE2__)
static inline unsigned
kv_next16(const char *s, size_t c)
{
	__m128i	 v;

	v = _mm_loadu_si128((const __m128i *)(const void *)(s + c));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(
	    _mm_cmplt_epi8(v, _mm_set1_epi8('>')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
}
#endif

static inline uint32_t
kv32(const char *s, size_t n, size_t c, unsigned char last)
{
	uint32_t	 m = match32(s, n, c, last, 0x20);

#if defined(__SSE2__)
	if (m != 0 && c + 33 <= n)
		m &= kv_next16(s, c + 1) | (uint32_t)kv_next16(s, c + 17) << 16;
#endif
	return m;
}

/*
 * The separator a listed key ending at p would have: kv_at reads back
 * from a separator over blanks and a quote (or \\") to the key's last
 * letter, so this reads forward the same way.  n if none.
 */
static size_t
kv_sep_after(const char *s, size_t n, size_t p)
{
	size_t	 t = p + 1;

	if (t + 1 < n && s[t] == '\\' && s[t + 1] == '"')
		t += 2;
	else if (t < n && (s[t] == '"' || s[t] == '\''))
		t++;
	while (t < n && (s[t] == ' ' || s[t] == '\t'))
		t++;
	return t < n && (s[t] == '=' || s[t] == ':') ? t : n;
}

/*
 * The first separator i >= from where kv_at matches.  Stopping at every
 * '=' and ':' costs a logfmt line fifteen stops; every key listed ends
 * in keys->last, so only that letter is looked for, and kv_sep_after
 * finds the one separator kv_at could read back to it from.  Between a
 * key's last letter and its separator lie only blanks, quotes and a
 * backslash, so each separator is reached from one letter, in order.
 * A key may end before from (the previous match ended just after it):
 * then only such bytes lie between from and the separator.
 */
static int
find_kv(struct redact *r, const struct matcher *m, const char *s,
    size_t n, size_t from, size_t *ms, size_t *me)
{
	size_t		 c, i;
	uint32_t	 bits;

	for (i = from; i < n && (s[i] == ' ' || s[i] == '\t' ||
	    s[i] == '"' || s[i] == '\'' || s[i] == '\\'); i++)
		;
	if (from > 0 && i < n && (s[i] == '=' || s[i] == ':') &&
	    kv_at(m->keys, s, n, i, ms, me))
		return 1;
	for (c = from; c < n; c += 32)
		for (bits = kv32(s, n, c, m->keys->last);
		    bits != 0; bits &= bits - 1) {
			i = kv_sep_after(s, n, c + (size_t)__builtin_ctz(bits));
			if (i < n && kv_at(m->keys, s, n, i, ms, me))
				return 1;
		}
	return 0;
}

/* --- custom ---------------------------------------------------------- */

/* r->cstr holds the text and a NUL; pieces between NULs are matched. */
static int
find_regex(struct redact *r, const struct matcher *m, const char *s,
    size_t n, size_t from, size_t *ms, size_t *me)
{
	regmatch_t	 pm;
	size_t		 q = from, a, b;
	int		 eflags;

	while (q < n) {
		if (r->cstr[q] == '\0') {
			q++;
			continue;
		}
		if (q < r->segstart || q >= r->segend) {
			r->segstart = q;
			r->segend = q + strlen(r->cstr + q);
		}
		eflags = (q > 0 ? REG_NOTBOL : 0) |
		    (r->segend < n ? REG_NOTEOL : 0);
		if (regexec(m->rx, r->cstr + q, 1, &pm, eflags) != 0) {
			q = r->segend;
			continue;
		}
		a = q + pm.rm_so;
		b = q + pm.rm_eo;
		if (b > a) {
			*ms = a;
			*me = b;
			return 1;
		}
		q = a + 1;
	}
	return 0;
}

/* --- spans ----------------------------------------------------------- */

static size_t
marker_len(const struct redact *r, int rule, int keyed)
{
	return REDACT_MARK_OPENLEN + r->namelen[rule] + 1 +
	    (keyed ? 1 + REDACT_HASH_DIGITS : 0);
}

/*
 * Adds [s, e) for rule, merged with the spans it overlaps.  With
 * REDACT_MAX_SPANS already, a separate one joins its nearest neighbour.
 */
static void
add_span(struct redact *r, size_t s, size_t e, int rule)
{
	struct span	*sp = r->spans;
	int		 lo = 0, hi = r->nspans, mid, k;

	while (lo < hi) {		/* the first span ending after s */
		mid = (lo + hi) / 2;
		if (sp[mid].end <= s)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (hi = lo; hi < r->nspans && sp[hi].start < e; hi++)
		;
	if (hi == lo && r->nspans == REDACT_MAX_SPANS) {
		/* Full: join the nearer neighbour over the gap. */
		if (lo == r->nspans || (lo > 0 &&
		    s - sp[lo - 1].end <= sp[lo].start - e))
			lo--;
		hi = lo + 1;
	}
	if (hi == lo) {
		memmove(&sp[lo + 1], &sp[lo], (r->nspans - lo) * sizeof(*sp));
		sp[lo].start = s;
		sp[lo].end = e;
		sp[lo].rule = rule;
		r->nspans++;
		return;
	}
	if (sp[lo].start < s)
		s = sp[lo].start;
	if (sp[hi - 1].end > e)
		e = sp[hi - 1].end;
	for (k = lo; k < hi; k++)
		if (sp[k].rule < rule)
			rule = sp[k].rule;
	sp[lo].start = s;
	sp[lo].end = e;
	sp[lo].rule = rule;
	memmove(&sp[lo + 1], &sp[hi], (r->nspans - hi) * sizeof(*sp));
	r->nspans -= hi - lo - 1;
}

/* The length of the message with the spans as markers. */
static size_t
rendered_len(const struct redact *r, size_t len, int keyed)
{
	int	 k;

	for (k = 0; k < r->nspans; k++)
		len = len - (r->spans[k].end - r->spans[k].start) +
		    marker_len(r, r->spans[k].rule, keyed);
	return len;
}

/* Joins spans at most gap bytes apart, the bytes between masked too. */
static void
join_close(struct redact *r, size_t gap)
{
	struct span	*sp = r->spans;
	int		 w = 0, k;

	for (k = 1; k < r->nspans; k++) {
		if (sp[k].start - sp[w].end <= gap) {
			sp[w].end = sp[k].end;
			if (sp[k].rule < sp[w].rule)
				sp[w].rule = sp[k].rule;
		} else
			sp[++w] = sp[k];
	}
	r->nspans = w + 1;
}

/*
 * Joins spans, the closest first, until the output fits
 * REDACT_OUT_MAX(len); with every span joined it is len + one marker.
 */
static void
fit(struct redact *r, size_t len)
{
	size_t	 gap;

	for (gap = 1; rendered_len(r, len, r->keyed) >
	    REDACT_OUT_MAX(len); gap *= 2)
		join_close(r, gap);
}

/* The whole message as one marker, named for the earliest rule seen. */
static void
whole(struct redact *r, size_t len)
{
	int	 k, rule = r->spans[0].rule;

	for (k = 1; k < r->nspans; k++)
		if (r->spans[k].rule < rule)
			rule = r->spans[k].rule;
	r->spans[0].start = 0;
	r->spans[0].end = len;
	r->spans[0].rule = rule;
	r->nspans = 1;
}

static int
grow(char **buf, size_t *cap, size_t need)
{
	char	*nb;

	if (need <= *cap)
		return 0;
	nb = realloc(*buf, need);
	if (nb == NULL)
		return -1;
	*buf = nb;
	*cap = need;
	return 0;
}

/* Writes span k's marker at w; its length. */
static size_t
write_marker(struct redact *r, char *w, const struct span *sp,
    const char *msg, int keyed)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 mac[32];
	size_t			 l = 0;
	int			 i;

	memcpy(w, REDACT_MARK_OPEN, REDACT_MARK_OPENLEN);
	l = REDACT_MARK_OPENLEN;
	memcpy(w + l, r->names[sp->rule], r->namelen[sp->rule]);
	l += r->namelen[sp->rule];
	if (keyed) {
		if (mbedtls_md_hmac_reset(&r->hmac) != 0 ||
		    mbedtls_md_hmac_update(&r->hmac, (const unsigned char *)msg +
		    sp->start, sp->end - sp->start) != 0 ||
		    mbedtls_md_hmac_finish(&r->hmac, mac) != 0)
			return 0;
		w[l++] = ':';
		for (i = 0; i < REDACT_HASH_DIGITS / 2; i++) {
			w[l++] = hex[mac[i] >> 4];
			w[l++] = hex[mac[i] & 0xf];
		}
	}
	w[l++] = ']';
	return l;
}

/* The message with the spans as markers: into mask (noting each
 * marker's place in marks), or keyed into out. */
static int
render(struct redact *r, const char *msg, size_t len, int keyed)
{
	char	**buf = keyed ? &r->out : &r->mask;
	size_t	 *cap = keyed ? &r->outcap : &r->maskcap;
	size_t	  w = 0, o = 0, l;
	int	  k;

	if (grow(buf, cap, rendered_len(r, len, keyed)) == -1)
		return -1;
	for (k = 0; k < r->nspans; k++) {
		memcpy(*buf + w, msg + o, r->spans[k].start - o);
		w += r->spans[k].start - o;
		l = write_marker(r, *buf + w, &r->spans[k], msg, keyed);
		if (l == 0)
			return -1;
		r->marks[k].tstart = w;
		r->marks[k].tend = w + l;
		r->marks[k].ostart = r->spans[k].start;
		r->marks[k].oend = r->spans[k].end;
		w += l;
		o = r->spans[k].end;
	}
	memcpy(*buf + w, msg + o, len - o);
	w += len - o;
	if (keyed)
		r->outlen = w;
	else {
		r->masklen = w;
		r->nmarks = r->nspans;
	}
	return 0;
}

/* The last marker starting at or before p in the mask text, or -1. */
static int
mark_at(const struct redact *r, size_t p)
{
	int	 lo = 0, hi = r->nmarks, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (r->marks[mid].tstart <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* A byte of the mask text at p, not in a marker, in the message. */
static size_t
orig_of(const struct redact *r, int k, size_t p)
{
	return k < 0 ? p : r->marks[k].oend + (p - r->marks[k].tend);
}

/*
 * Match [a, b) of the mask text as a span of the message: 1, or 0 when
 * it lies inside one marker.  Over two markers and nothing else, it
 * masks nothing more, but joins them: what a rule read across them is
 * then one marker, which it is not read in again.
 */
static int
map_match(const struct redact *r, size_t a, size_t b, size_t *os,
    size_t *oe)
{
	int	 ka = mark_at(r, a), kb = mark_at(r, b - 1);
	int	 ina = ka >= 0 && a < r->marks[ka].tend;
	int	 inb = kb >= 0 && b - 1 < r->marks[kb].tend;

	if (ina && inb && ka == kb)
		return 0;
	*os = ina ? r->marks[ka].ostart : orig_of(r, ka, a);
	*oe = inb ? r->marks[kb].oend : orig_of(r, kb, b - 1) + 1;
	return 1;
}

/*
 * Every matcher over text: the message itself (again = 0), or the mask
 * text, whose matches count only where they widen the spans.  The
 * number of spans added, or -1 when memory ran out.
 */
static int
scan(struct redact *r, const char *text, size_t n, int again)
{
	size_t	 from, ms, me, os, oe;
	int	 i, added = 0;

	if (r->nrx > 0) {
		if (grow(&r->cstr, &r->cstrcap, n + 1) == -1)
			return -1;
		memcpy(r->cstr, text, n);
		r->cstr[n] = '\0';
		r->segstart = r->segend = 0;
	}
	for (i = 0; i < r->nm; i++) {
		from = 0;
		while (from < n && r->m[i].find(r, &r->m[i], text, n, from,
		    &ms, &me)) {
			from = me;
			if (!again) {
				os = ms;
				oe = me;
			} else if (!map_match(r, ms, me, &os, &oe))
				continue;
			add_span(r, os, oe, r->m[i].rule);
			r->hits[r->m[i].rule]++;
			added++;
		}
	}
	return added;
}

/* --- the door -------------------------------------------------------- */

static int
add_rule(struct redact *r, const char *name, size_t l, char *err,
    size_t errlen)
{
	int	 i;

	for (i = 0; i < r->nrules; i++)
		if (r->namelen[i] == l && memcmp(r->names[i], name, l) == 0) {
			snprintf(err, errlen, "rule \"%.*s\" named twice",
			    (int)l, name);
			return -1;
		}
	if (r->nrules == REDACT_MAX_RULES) {
		snprintf(err, errlen, "more than %d rules", REDACT_MAX_RULES);
		return -1;
	}
	memcpy(r->names[r->nrules], name, l);
	r->names[r->nrules][l] = '\0';
	r->namelen[r->nrules] = l;
	return r->nrules++;
}

static int
add_builtins(struct redact *r, const char *list, char *err, size_t errlen)
{
	const char	*p = list, *e;
	size_t		 l, b;
	int		 rule, f;

	while (p != NULL && *p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (e = p; *e != '\0' && *e != ','; e++)
			;
		for (l = e - p; l > 0 && (p[l - 1] == ' ' || p[l - 1] == '\t');
		    l--)
			;
		if (l == 0)
			break;
		for (b = 0; b < NBUILTINS && (strlen(builtins[b].name) != l ||
		    memcmp(builtins[b].name, p, l) != 0); b++)
			;
		if (b == NBUILTINS) {
			snprintf(err, errlen, "unknown rule \"%.*s\"",
			    (int)(l > 64 ? 64 : l), p);
			return -1;
		}
		if ((rule = add_rule(r, p, l, err, errlen)) == -1)
			return -1;
		for (f = 0; f < 2 && builtins[b].find[f] != NULL; f++) {
			r->m[r->nm].find = builtins[b].find[f];
			r->m[r->nm].keys = builtins[b].keys[f];
			r->m[r->nm++].rule = rule;
		}
		p = e;
	}
	return 0;
}

static int
name_ok(const char *name)
{
	size_t	 i;

	if (name == NULL || !((name[0] >= 'a' && name[0] <= 'z') ||
	    name[0] == '_'))
		return 0;
	for (i = 1; name[i] != '\0'; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    is(name[i], CT_DIGIT) || name[i] == '_'))
			return 0;
	return i <= REDACT_NAME_MAX;
}

static int
add_custom(struct redact *r, const struct config_pair *c, char *err,
    size_t errlen)
{
	char	 why[128];
	int	 rule, rc;

	if (!name_ok(c->key)) {
		snprintf(err, errlen, "redact.%.64s: a rule's name is lower-case "
		    "letters, digits and _, at most %d, not starting with a "
		    "digit", c->key != NULL ? c->key : "", REDACT_NAME_MAX);
		return -1;
	}
	if ((rule = add_rule(r, c->key, strlen(c->key), err, errlen)) == -1)
		return -1;
	rc = regcomp(&r->rx[r->nrx], c->value != NULL ? c->value : "",
	    REG_EXTENDED);
	if (rc != 0) {
		regerror(rc, &r->rx[r->nrx], why, sizeof(why));
		snprintf(err, errlen, "redact.%s: %s", c->key, why);
		return -1;
	}
	r->m[r->nm].find = find_regex;
	r->m[r->nm].rx = &r->rx[r->nrx++];
	r->m[r->nm++].rule = rule;
	return 0;
}

struct redact *
redact_new(const char *builtin_list, const struct config_pair *custom,
    int ncustom, char *err, size_t errlen)
{
	struct redact	*r;
	int		 i;

	ctab_init();
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	mbedtls_md_init(&r->hmac);
	if (add_builtins(r, builtin_list, err, errlen) == -1)
		goto fail;
	for (i = 0; i < ncustom; i++)
		if (add_custom(r, &custom[i], err, errlen) == -1)
			goto fail;
	return r;
fail:
	redact_free(r);
	return NULL;
}

void
redact_free(struct redact *r)
{
	int	 i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nrx; i++)
		regfree(&r->rx[i]);
	mbedtls_md_free(&r->hmac);
	free(r->mask);
	free(r->out);
	free(r->cstr);
	free(r);
}

int
redact_set_key(struct redact *r, const unsigned char *key, size_t keylen)
{
	mbedtls_md_context_t	 ctx;

	mbedtls_md_init(&ctx);
	if (key != NULL && keylen > 0 && (mbedtls_md_setup(&ctx,
	    mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1) != 0 ||
	    mbedtls_md_hmac_starts(&ctx, key, keylen) != 0)) {
		mbedtls_md_free(&ctx);
		return -1;
	}
	mbedtls_md_free(&r->hmac);
	r->hmac = ctx;		/* it holds pointers to the heap only */
	r->keyed = key != NULL && keylen > 0;
	return 0;
}

int
redact_nrules(const struct redact *r)
{
	return r->nrules;
}

const char *
redact_rule_name(const struct redact *r, int i)
{
	return i >= 0 && i < r->nrules ? r->names[i] : NULL;
}

/*
 * The first scan finds the spans in the message; then each run over the
 * mask text (the message with plain markers) either finds nothing new,
 * and the mask is final, or widens the spans and goes again.
 */
static const char *
mask(struct redact *r, const char *msg, size_t len, size_t *outlen)
{
	int	 pass, added;

	if (len > (SIZE_MAX - REDACT_MARKER_MAX) / 2 - 1)
		return NULL;
	r->nspans = 0;
	if ((added = scan(r, msg, len, 0)) <= 0)
		return added == 0 ? msg : NULL;
	for (pass = 0; pass < REDACT_PASSES_MAX; pass++) {
		fit(r, len);
		if (render(r, msg, len, 0) == -1 ||
		    (added = scan(r, r->mask, r->masklen, 1)) == -1)
			return NULL;
		if (added == 0)
			break;
	}
	if (pass == REDACT_PASSES_MAX) {
		whole(r, len);
		if (render(r, msg, len, 0) == -1)
			return NULL;
	}
	if (!r->keyed) {
		*outlen = r->masklen;
		return r->mask;
	}
	if (render(r, msg, len, 1) == -1)
		return NULL;
	*outlen = r->outlen;
	return r->out;
}

/* The counts are added only once the output is made: a message that
 * ran out of memory is redacted again, and counted once. */
const char *
redact_apply(struct redact *r, const char *msg, size_t len, size_t *outlen,
    uint64_t *counts)
{
	const char	*out;
	int		 i;

	*outlen = len;
	if (r->nm == 0)
		return msg;
	out = mask(r, msg, len, outlen);
	for (i = 0; i < r->nrules; i++) {
		if (out != NULL)
			counts[i] += r->hits[i];
		r->hits[i] = 0;
	}
	return out;
}

size_t
redact_memory(const struct redact *r)
{
	return sizeof(*r) + (r->keyed ? REDACT_HMAC_HELD : 0) + r->maskcap +
	    r->outcap + r->cstrcap;
}
