/*
 * http.c: HTTP/1.1 on the wire, client side (RFC 9112).
 *
 * Writes request heads, and reads a response incrementally: the caller
 * feeds whatever the socket gave, split anywhere, and learns when the
 * response is complete.  Sockets, TLS and what a status code means are
 * conn.c's and output.c's.  Nothing here allocates; every line, the head,
 * the trailers, a chunk size and the stored body are bounded, and framing
 * that RFC 9112 does not allow is an error, never a guess.  Invariant:
 * *used never goes past the end of the response, so the bytes after it
 * (pipelined or a broken server's) are the caller's to judge.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "value.h"

/*
 * 16 hex digits fill a uint64_t, so a longer size is either an overflow
 * or a peer padding with zeros; curl's CHUNK_MAXNUM_LEN is the same.
 */
#define CHUNK_MAX_DIGITS	16
/* Seconds: a day.  A longer wait is a peer's mistake, not a plan. */
#define RETRY_AFTER_MAX		86400

/*
 * Where the parser is.  Every state but the last two may be left at any
 * byte by a short read and resumed by the next feed; line states keep the
 * partial line in line[], body states the count left in remaining.
 */
enum state {
	S_STATUS,	/* reading the status line; its first 7 bytes must be
			   "HTTP/1." and are checked as they come */
	S_HEADER,	/* reading header lines until the empty one */
	S_BODY_LENGTH,	/* remaining bytes of a Content-Length body */
	S_BODY_CLOSE,	/* a body without length: it ends when the peer
			   closes (http_resp_eof) */
	S_CHUNK_SIZE,	/* reading a chunk-size line: HEX [;ext] CRLF */
	S_CHUNK_DATA,	/* remaining bytes of the current chunk's data */
	S_CHUNK_END,	/* reading the empty line (CRLF) after chunk data */
	S_TRAILER,	/* reading trailer lines after the last chunk, until
			   the empty one; they are checked, then ignored */
	S_DONE,		/* complete; nothing more is consumed */
	S_BAD,		/* failed, error says why; nothing more is consumed */
};

static int	fail(struct http_resp *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int	field_connection(struct http_resp *, const char *);
static int	field_content_length(struct http_resp *, const char *);
static int	field_retry_after(struct http_resp *, const char *);
static int	field_transfer_encoding(struct http_resp *, const char *);

/* The header fields that change how we read the response. */
static const struct field {
	const char	*name;
	int		(*parse)(struct http_resp *, const char *);
} fields[] = {
	{ "Connection",		field_connection },
	{ "Content-Length",	field_content_length },
	{ "Retry-After",	field_retry_after },
	{ "Transfer-Encoding",	field_transfer_encoding },
};

/* Collects the request head; full once something did not fit. */
struct head {
	char	*buf;
	size_t	 len;
	size_t	 off;
	int	 full;
};

/* Appends the strings up to a NULL, unless the head is already full. */
static void
put(struct head *h, ...)
{
	va_list		 ap;
	const char	*s;
	size_t		 n;

	va_start(ap, h);
	for (s = va_arg(ap, const char *); s != NULL && !h->full;
	    s = va_arg(ap, const char *)) {
		n = strlen(s);
		if (n > h->len - h->off)
			h->full = 1;
		else {
			memcpy(h->buf + h->off, s, n);
			h->off += n;
		}
	}
	va_end(ap);
}

size_t
http_request_head(const struct http_req *q, char *buf, size_t len)
{
	struct head	 h = { buf, len, 0, 0 };
	char		 cl[24];
	int		 i;

	snprintf(cl, sizeof(cl), "%" PRIu64, q->content_length);
	put(&h, q->method, " ", q->path, " HTTP/1.1\r\n", "Host: ", q->host,
	    "\r\n", "User-Agent: sidelog/" SIDELOG_VERSION "\r\n", NULL);
	if (q->content_type != NULL)
		put(&h, "Content-Type: ", q->content_type, "\r\n", NULL);
	if (q->content_encoding != NULL)
		put(&h, "Content-Encoding: ", q->content_encoding, "\r\n",
		    NULL);
	if (q->authorization != NULL)
		put(&h, "Authorization: ", q->authorization, "\r\n", NULL);
	if (q->proxy_authorization != NULL)
		put(&h, "Proxy-Authorization: ", q->proxy_authorization, "\r\n",
		    NULL);
	for (i = 0; i < q->nheaders; i++)
		put(&h, q->headers[i], "\r\n", NULL);
	put(&h, "Content-Length: ", cl, "\r\n\r\n", NULL);
	return h.full ? 0 : h.off;
}

/* A proxy's CONNECT request for a tunnel to hostport (RFC 9110 9.3.6:
 * the authority form, Host the same). */
size_t
http_connect_head(const char *hostport, const char *proxy_authorization,
    char *buf, size_t len)
{
	struct head	 h = { buf, len, 0, 0 };

	put(&h, "CONNECT ", hostport, " HTTP/1.1\r\nHost: ", hostport,
	    "\r\nUser-Agent: sidelog/" SIDELOG_VERSION "\r\n", NULL);
	if (proxy_authorization != NULL)
		put(&h, "Proxy-Authorization: ", proxy_authorization, "\r\n",
		    NULL);
	put(&h, "\r\n", NULL);
	return h.full ? 0 : h.off;
}

static int
fail(struct http_resp *r, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->state = S_BAD;
	r->keep_alive = 0;
	return -1;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 section 5.6.2: the characters of a field name. */
static int
is_tchar(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Forgets what a response head said: at the start, and after a 1xx. */
static void
head_reset(struct http_resp *r)
{
	r->status = 0;
	r->keep_alive = 0;
	r->retry_after = -1;
	r->chunked = 0;
	r->has_length = 0;
	r->remaining = 0;
	r->linelen = 0;
	r->minor = 0;
	r->conn_close = 0;
	r->state = S_STATUS;
}

void
http_resp_init(struct http_resp *r, char *body, size_t body_cap)
{
	memset(r, 0, sizeof(*r));
	r->body = body;
	r->body_cap = body == NULL ? 0 : body_cap;
	head_reset(r);
}

/* What the line being read belongs to, for error messages. */
static const char *
section(const struct http_resp *r)
{
	if (r->state == S_CHUNK_SIZE || r->state == S_CHUNK_END)
		return "chunk";
	return r->state == S_TRAILER ? "trailer" : "header";
}

/* Header and trailer bytes count against HTTP_MAX_HEAD, chunk lines not. */
static int
is_head(const struct http_resp *r)
{
	return r->state == S_STATUS || r->state == S_HEADER ||
	    r->state == S_TRAILER;
}

/* A LF ended the line: drop its CR, which may appear nowhere else. */
static int
line_end(struct http_resp *r)
{
	if (r->linelen > 0 && r->line[r->linelen - 1] == '\r')
		r->linelen--;
	r->line[r->linelen] = '\0';
	if (memchr(r->line, '\r', r->linelen) != NULL)
		return fail(r, "bare CR in a %s line", section(r));
	return 1;
}

/*
 * Moves bytes from buf[*i] into line[] up to and including a LF.  Returns
 * 1 with the line complete (without CR LF or a bare LF, NUL terminated),
 * 0 if buf ran out first (the line goes on in the next feed), -1 on
 * error.  A line with its LF may take HTTP_MAX_LINE bytes: line[] holds
 * that less the LF, plus a NUL.
 */
static int
line_take(struct http_resp *r, const char *buf, size_t len, size_t *i)
{
	char	 c;

	while (*i < len) {
		c = buf[(*i)++];
		if (is_head(r) && ++r->headbytes > HTTP_MAX_HEAD)
			return fail(r, "%s section longer than %d bytes",
			    section(r), HTTP_MAX_HEAD);
		if (c == '\n')
			return line_end(r);
		if (c == '\0')
			return fail(r, "NUL byte in a %s line", section(r));
		if (r->linelen == HTTP_MAX_LINE - 1)
			return fail(r, "%s line longer than %d bytes",
			    section(r), HTTP_MAX_LINE);
		r->line[r->linelen++] = c;
		/* Say "not HTTP" at a TLS alert's first byte, not at a LF. */
		if (r->state == S_STATUS && r->linelen <= 7 &&
		    c != "HTTP/1."[r->linelen - 1])
			return fail(r, "status line is not HTTP/1.x");
	}
	return 0;
}

/* HTTP/1.x SP 3DIGIT [SP reason]; the reason may be missing. */
static int
status_line(struct http_resp *r)
{
	const char	*s = r->line;

	if (r->linelen < 9 || memcmp(s, "HTTP/1.", 7) != 0 ||
	    !is_digit(s[7]) || s[8] != ' ')
		return fail(r, "status line is not HTTP/1.x");
	if (r->linelen < 12 || !is_digit(s[9]) || !is_digit(s[10]) ||
	    !is_digit(s[11]) || (s[12] != '\0' && s[12] != ' '))
		return fail(r, "bad status code");
	r->minor = s[7] - '0';
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (r->status < 100 || r->status > 599)
		return fail(r, "status code %d out of range", r->status);
	/* HTTP/1.0 closes unless it says keep-alive (RFC 9112 9.3). */
	r->keep_alive = r->minor >= 1;
	r->state = S_HEADER;
	return 0;
}

/*
 * Splits line[] into a field name and its value without surrounding
 * whitespace, both NUL terminated in place.
 */
static int
field_split(struct http_resp *r, char **name, char **value)
{
	char	*line = r->line, *colon, *v, *end;
	char	*p;

	/* RFC 9112 5.2: obs-fold is not to be accepted by a user agent. */
	if (is_ows(line[0]))
		return fail(r, "obsolete line folding in the %s section",
		    section(r));
	colon = memchr(line, ':', r->linelen);
	if (colon == NULL || colon == line)
		return fail(r, "%s line without a field name", section(r));
	for (p = line; p < colon; p++)
		if (!is_tchar((unsigned char)*p))
			return fail(r, "bad %s field name", section(r));
	*colon = '\0';
	v = colon + 1;
	end = line + r->linelen;
	while (v < end && is_ows(*v))
		v++;
	while (end > v && is_ows(end[-1]))
		end--;
	*end = '\0';
	*name = line;
	*value = v;
	return 0;
}

/*
 * The next element of a comma-separated list (RFC 9110 5.6.1) at *s,
 * with empty elements and whitespace skipped.  Returns 0 at the end.
 */
static int
list_next(const char **s, const char **tok, size_t *toklen)
{
	const char	*p = *s, *e;

	while (*p == ',' || is_ows(*p))
		p++;
	if (*p == '\0')
		return 0;
	e = p;
	while (*e != '\0' && *e != ',')
		e++;
	*s = e;
	while (e > p && is_ows(e[-1]))
		e--;
	*tok = p;
	*toklen = (size_t)(e - p);
	return 1;
}

static int
token_is(const char *tok, size_t len, const char *word)
{
	return len == strlen(word) && strncasecmp(tok, word, len) == 0;
}

static int
field_connection(struct http_resp *r, const char *v)
{
	const char	*tok;
	size_t		 n;

	while (list_next(&v, &tok, &n)) {
		if (token_is(tok, n, "close"))
			r->conn_close = 1;
		else if (token_is(tok, n, "keep-alive"))
			r->keep_alive = 1;
	}
	return 0;
}

/* All digits; a repeated one must agree (RFC 9112 6.3, item 5). */
static int
field_content_length(struct http_resp *r, const char *v)
{
	uint64_t	 n = 0;
	unsigned	 d;

	if (*v == '\0')
		return fail(r, "empty Content-Length");
	for (; *v != '\0'; v++) {
		if (!is_digit(*v))
			return fail(r, "Content-Length is not a number");
		d = (unsigned)(*v - '0');
		if (n > (UINT64_MAX - d) / 10)
			return fail(r, "Content-Length too large");
		n = n * 10 + d;
	}
	if (r->has_length && r->remaining != n)
		return fail(r, "conflicting Content-Length values");
	if (r->chunked)
		return fail(r, "Content-Length and Transfer-Encoding both "
		    "present");
	r->has_length = 1;
	r->remaining = n;
	return 0;
}

/*
 * We can only undo chunked, so the codings must be exactly that one:
 * "gzip, chunked" or chunked twice is refused.  With a Content-Length
 * too, the two framings could disagree (request smuggling, RFC 9112
 * 6.3 item 3): refused as well, whichever came first.
 */
static int
field_transfer_encoding(struct http_resp *r, const char *v)
{
	const char	*tok;
	size_t		 n;
	int		 codings = 0;

	/* RFC 9112 6.1: its framing is faulty in an HTTP/1.0 message. */
	if (r->minor == 0)
		return fail(r, "Transfer-Encoding in an HTTP/1.0 response");
	while (list_next(&v, &tok, &n)) {
		if (!token_is(tok, n, "chunked") || r->chunked)
			return fail(r, "Transfer-Encoding other than chunked");
		r->chunked = 1;
		codings++;
	}
	if (codings == 0)
		return fail(r, "empty Transfer-Encoding");
	if (r->has_length)
		return fail(r, "Content-Length and Transfer-Encoding both "
		    "present");
	return 0;
}

static int
find3(const char *names, const char *s)
{
	int	 i;

	for (i = 0; names[i * 3] != '\0'; i++)
		if (memcmp(names + i * 3, s, 3) == 0)
			return i;
	return -1;
}

static int
num(const char *s, int n)
{
	int	 v = 0;

	while (n-- > 0)
		v = v * 10 + (*s++ - '0');
	return v;
}

/*
 * IMF-fixdate (RFC 9110 5.6.7), "Sun, 06 Nov 1994 08:49:37 GMT", into
 * seconds since the epoch.  The obsolete RFC 850 and asctime forms are
 * refused: the caller then treats Retry-After as absent.
 */
static int
imf_fixdate(const char *s, int64_t *t)
{
	static const char	 pat[] = "???, 00 ??? 0000 00:00:00 GMT";
	struct tm		 tm;
	time_t			 when;
	size_t			 i;
	int			 mday;

	if (strlen(s) != sizeof(pat) - 1)
		return -1;
	for (i = 0; pat[i] != '\0'; i++)
		if (pat[i] == '0' ? !is_digit(s[i]) :
		    pat[i] != '?' && s[i] != pat[i])
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = num(s + 5, 2);
	tm.tm_mon = find3("JanFebMarAprMayJunJulAugSepOctNovDec", s + 8);
	tm.tm_year = num(s + 12, 4) - 1900;
	tm.tm_hour = num(s + 17, 2);
	tm.tm_min = num(s + 20, 2);
	tm.tm_sec = num(s + 23, 2);
	if (find3("MonTueWedThuFriSatSun", s) == -1 || tm.tm_mon == -1 ||
	    tm.tm_mday < 1 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60)
		return -1;
	mday = tm.tm_mday;
	when = timegm(&tm);
	/* timegm() makes 31 Feb into 3 Mar; such a date is no date. */
	if (tm.tm_mday != mday)
		return -1;
	*t = (int64_t)when;
	return 0;
}

/* Delta-seconds or an IMF-fixdate; anything else leaves it absent. */
static int
field_retry_after(struct http_resp *r, const char *v)
{
	int64_t		 n = 0, t;
	const char	*p;

	for (p = v; is_digit(*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > RETRY_AFTER_MAX)
			n = RETRY_AFTER_MAX;
	}
	if (p > v && *p == '\0') {
		r->retry_after = n;
		return 0;
	}
	if (imf_fixdate(v, &t) == -1)
		return 0;
	n = t - (int64_t)time(NULL);
	if (n < 0)
		n = 0;
	r->retry_after = n > RETRY_AFTER_MAX ? RETRY_AFTER_MAX : n;
	return 0;
}

/* The empty line after the headers: decide how the body is framed. */
static int
head_end(struct http_resp *r)
{
	/* We never ask to upgrade; what follows would not be HTTP. */
	if (r->status == 101)
		return fail(r, "unexpected 101 Switching Protocols");
	/*
	 * 100 Continue, 103 Early Hints: interim, the final response
	 * follows.  headbytes is not reset, so that an endless stream of
	 * them still runs into HTTP_MAX_HEAD.
	 */
	if (r->status < 200) {
		head_reset(r);
		return 0;
	}
	if (r->conn_close)
		r->keep_alive = 0;
	/* RFC 9112 6.3 item 1: these never have a body, whatever it says. */
	if (r->status == 204 || r->status == 304)
		r->state = S_DONE;
	else if (r->chunked)
		r->state = S_CHUNK_SIZE;
	else if (r->has_length)
		r->state = r->remaining == 0 ? S_DONE : S_BODY_LENGTH;
	else {
		r->state = S_BODY_CLOSE;
		r->keep_alive = 0;
	}
	return 0;
}

static int
header_line(struct http_resp *r)
{
	char	*name, *value;
	size_t	 i;

	if (r->linelen == 0)
		return head_end(r);
	if (field_split(r, &name, &value) == -1)
		return -1;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcasecmp(name, fields[i].name) == 0)
			return fields[i].parse(r, value);
	return 0;
}

/* chunk-size [ BWS ";" chunk-ext ] (RFC 9112 7.1); extensions ignored. */
static int
chunk_size_line(struct http_resp *r)
{
	uint64_t	 n = 0;
	size_t		 i;
	int		 d;

	for (i = 0; i < r->linelen; i++) {
		d = value_hex((unsigned char)r->line[i]);
		if (d == -1)
			break;
		if (i == CHUNK_MAX_DIGITS)
			return fail(r, "chunk size longer than %d hex digits",
			    CHUNK_MAX_DIGITS);
		n = n << 4 | (uint64_t)d;
	}
	if (i == 0)
		return fail(r, "bad chunk size");
	while (i < r->linelen && is_ows(r->line[i]))
		i++;
	if (i < r->linelen && r->line[i] != ';')
		return fail(r, "bad chunk size");
	if (n == 0) {
		r->state = S_TRAILER;
		r->headbytes = 0;	/* trailers get a bound of their own */
	} else {
		r->remaining = n;
		r->state = S_CHUNK_DATA;
	}
	return 0;
}

/* Trailer fields are checked like headers, and then ignored. */
static int
trailer_line(struct http_resp *r)
{
	char	*name, *value;

	if (r->linelen == 0) {
		r->state = S_DONE;
		return 0;
	}
	return field_split(r, &name, &value);
}

/* A whole line is in line[]: act on it in the state that read it. */
static int
line_done(struct http_resp *r)
{
	switch (r->state) {
	case S_STATUS:
		return status_line(r);
	case S_HEADER:
		return header_line(r);
	case S_CHUNK_SIZE:
		return chunk_size_line(r);
	case S_CHUNK_END:
		if (r->linelen != 0)
			return fail(r, "chunk data longer than its size");
		r->state = S_CHUNK_SIZE;
		return 0;
	default:
		return trailer_line(r);
	}
}

/* Keeps what fits in body, counts all. */
static void
body_put(struct http_resp *r, const char *p, size_t n)
{
	size_t	 room = r->body_cap - r->bodylen;
	size_t	 k = n < room ? n : room;

	if (k > 0) {
		memcpy(r->body + r->bodylen, p, k);
		r->bodylen += k;
	}
	r->bodytotal += n;
}

/* Body bytes in S_BODY_LENGTH, S_CHUNK_DATA or S_BODY_CLOSE. */
static void
body_take(struct http_resp *r, const char *buf, size_t len, size_t *i)
{
	size_t	 n = len - *i;

	if (r->state == S_BODY_CLOSE) {
		body_put(r, buf + *i, n);
		*i = len;
		return;
	}
	if (r->remaining < n)
		n = (size_t)r->remaining;
	body_put(r, buf + *i, n);
	*i += n;
	r->remaining -= n;
	if (r->remaining == 0)
		r->state = r->state == S_CHUNK_DATA ? S_CHUNK_END : S_DONE;
}

static enum http_rc
result(const struct http_resp *r)
{
	if (r->state == S_DONE)
		return HTTP_DONE;
	return r->state == S_BAD ? HTTP_BAD : HTTP_AGAIN;
}

/*
 * Each round consumes at least one byte or ends the response: a line
 * state takes a byte, a body state has remaining > 0.
 */
enum http_rc
http_resp_feed(struct http_resp *r, const char *buf, size_t len,
    size_t *used)
{
	size_t	 i = 0;

	while (i < len && r->state != S_DONE && r->state != S_BAD) {
		if (r->state == S_BODY_LENGTH || r->state == S_CHUNK_DATA ||
		    r->state == S_BODY_CLOSE)
			body_take(r, buf, len, &i);
		else if (line_take(r, buf, len, &i) == 1) {
			line_done(r);
			r->linelen = 0;
		}
	}
	*used = i;
	return result(r);
}

enum http_rc
http_resp_eof(struct http_resp *r)
{
	switch (r->state) {
	case S_DONE:
	case S_BAD:
		break;
	case S_BODY_CLOSE:
		r->state = S_DONE;
		break;
	case S_BODY_LENGTH:
		fail(r, "body cut short: %" PRIu64 " of %" PRIu64 " bytes",
		    r->bodytotal, r->bodytotal + r->remaining);
		break;
	case S_STATUS:
	case S_HEADER:
		if (r->headbytes == 0)
			fail(r, "connection closed before a response");
		else
			fail(r, "header section cut short");
		break;
	default:
		fail(r, "chunked body cut short");
		break;
	}
	r->keep_alive = 0;
	return result(r);
}

/*
 * A proxy's reply to CONNECT, the len bytes read so far: its head's
 * length once it is whole, with *status and its status line (control
 * bytes made spaces) in line; 0 while it is not; -1 if it is not an
 * HTTP/1.x reply.  A 2xx reply is a tunnel from its head on (it has no
 * body); another's body is not read: the connection is closed.
 */
int
http_connect_reply(const char *buf, size_t len, int *status, char *line,
    size_t linelen)
{
	const char	*end, *cr;
	size_t		 n, i;

	if (len < 12)
		return memcmp(buf, "HTTP/1.", len < 7 ? len : 7) == 0 ? 0 : -1;
	if (memcmp(buf, "HTTP/1.", 7) != 0 || !is_digit(buf[7]) ||
	    buf[8] != ' ' || !is_digit(buf[9]) || !is_digit(buf[10]) ||
	    !is_digit(buf[11]) || buf[9] == '0' ||
	    (len > 12 && buf[12] != ' ' && buf[12] != '\r'))
		return -1;
	*status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 +
	    (buf[11] - '0');
	cr = memchr(buf, '\r', len);
	n = cr != NULL ? (size_t)(cr - buf) : len;
	if (n >= linelen)
		n = linelen - 1;
	for (i = 0; i < n; i++)
		line[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : ' ';
	line[n] = '\0';
	end = memmem(buf, len, "\r\n\r\n", 4);
	return end == NULL ? 0 : (int)(end + 4 - buf);
}

/* The body's first bytes as one printable line, for a log or a reason:
 * what a peer sent, never a control byte. */
const char *
http_excerpt(const struct http_resp *r, char *buf, size_t len)
{
	size_t	 i, n = r->bodylen < len - 1 ? r->bodylen : len - 1;

	for (i = 0; i < n; i++)
		buf[i] = r->body[i] >= 0x20 && r->body[i] < 0x7f ?
		    r->body[i] : ' ';
	buf[n] = '\0';
	return buf;
}
