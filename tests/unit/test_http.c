/*
 * test_http.c: request heads, and the response parser fed in every split
 * it can meet: whole, byte by byte, at each split point, and hostile.
 * Input is fed from exact-size heap copies so that the ASan build catches
 * any read past what was handed over.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "http.h"

#define BODY_CAP	64
#define FUZZ_ROUNDS	20000

static struct http_resp	 resp;
static char		 body[BODY_CAP];

/* What a finished parse left, to compare one split with another. */
struct outcome {
	enum http_rc	 rc;
	size_t		 used;		/* over all pieces */
	int		 status;
	int		 keep_alive;
	int64_t		 retry_after;
	size_t		 bodylen;
	uint64_t	 bodytotal;
	char		 body[BODY_CAP];
};

/* Feeds n bytes at s through a heap copy of exactly n bytes. */
static enum http_rc
feed_copy(struct http_resp *r, const char *s, size_t n, size_t *used)
{
	enum http_rc	 rc;
	char		*p;

	p = malloc(n > 0 ? n : 1);
	assert_non_null(p);
	memcpy(p, s, n);
	rc = http_resp_feed(r, p, n, used);
	free(p);
	assert_true(*used <= n);
	if (rc == HTTP_AGAIN)
		assert_int_equal(*used, n);
	return rc;
}

/*
 * Feeds s in the pieces given by cuts (ascending offsets, then the end),
 * stopping at the first code other than HTTP_AGAIN.
 */
static void
feed_cuts(struct outcome *o, const char *s, size_t n, const size_t *cuts,
    size_t ncuts)
{
	size_t	 at = 0, to, used, k;

	http_resp_init(&resp, body, sizeof(body));
	memset(o, 0, sizeof(*o));
	o->rc = HTTP_AGAIN;
	for (k = 0; k <= ncuts && o->rc == HTTP_AGAIN; k++) {
		to = k < ncuts ? cuts[k] : n;
		o->rc = feed_copy(&resp, s + at, to - at, &used);
		o->used += used;
		at = to;
	}
	o->status = resp.status;
	o->keep_alive = resp.keep_alive;
	o->retry_after = resp.retry_after;
	o->bodylen = resp.bodylen;
	o->bodytotal = resp.bodytotal;
	memcpy(o->body, body, resp.bodylen);
}

static enum http_rc
feed_all(const char *s, size_t n, size_t *used)
{
	struct outcome	 o;

	feed_cuts(&o, s, n, NULL, 0);
	*used = o.used;
	return o.rc;
}

static void
feed_bytewise(struct outcome *o, const char *s, size_t n)
{
	size_t	*cuts, i;

	cuts = calloc(n + 1, sizeof(*cuts));
	assert_non_null(cuts);
	for (i = 0; i + 1 < n; i++)
		cuts[i] = i + 1;
	feed_cuts(o, s, n, cuts, n > 0 ? n - 1 : 0);
	free(cuts);
}

static void
assert_same(const struct outcome *a, const struct outcome *b)
{
	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->used, b->used);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->keep_alive, b->keep_alive);
	assert_int_equal(a->retry_after, b->retry_after);
	assert_int_equal(a->bodylen, b->bodylen);
	assert_int_equal(a->bodytotal, b->bodytotal);
	assert_memory_equal(a->body, b->body, a->bodylen);
}

/* The whole of s, in one piece and split everywhere, gives one outcome. */
static void
assert_split_invariant(const char *s, size_t n, struct outcome *whole)
{
	struct outcome	 o;
	size_t		 k;

	feed_cuts(whole, s, n, NULL, 0);
	feed_bytewise(&o, s, n);
	assert_same(whole, &o);
	for (k = 0; k <= n; k++) {
		feed_cuts(&o, s, n, &k, 1);
		assert_same(whole, &o);
	}
}

/* s in one piece must be refused with error, split anyhow. */
static void
assert_bad(const char *s, size_t n, const char *error)
{
	struct outcome	 o;

	feed_cuts(&o, s, n, NULL, 0);
	if (o.rc == HTTP_AGAIN)
		o.rc = http_resp_eof(&resp);
	assert_int_equal(o.rc, HTTP_BAD);
	assert_string_equal(resp.error, error);
	assert_int_equal(resp.keep_alive, 0);
	feed_bytewise(&o, s, n);
	if (o.rc == HTTP_AGAIN)
		o.rc = http_resp_eof(&resp);
	assert_int_equal(o.rc, HTTP_BAD);
	assert_string_equal(resp.error, error);
}

#define BAD(lit, error)	assert_bad(lit, sizeof(lit) - 1, error)
#define FEED(lit, used)	feed_all(lit, sizeof(lit) - 1, used)

static void
test_request_head_has_the_exact_bytes(void **state)
{
	static const char *const extra[] = { "X-Tenant: a", "X-Env: prod" };
	struct http_req	 q;
	char		 buf[512];
	const char	*want = "POST /ingest?x=1 HTTP/1.1\r\n"
	    "Host: logs.example.com:8443\r\n"
	    "User-Agent: sidelog/" SIDELOG_VERSION "\r\n"
	    "Content-Type: application/x-ndjson\r\n"
	    "Content-Encoding: gzip\r\n"
	    "Authorization: Bearer t0k\r\n"
	    "X-Tenant: a\r\n"
	    "X-Env: prod\r\n"
	    "Content-Length: 18446744073709551615\r\n\r\n";
	size_t		 n;

	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.host = "logs.example.com:8443";
	q.path = "/ingest?x=1";
	q.content_type = "application/x-ndjson";
	q.content_encoding = "gzip";
	q.authorization = "Bearer t0k";
	q.headers = extra;
	q.nheaders = 2;
	q.content_length = UINT64_MAX;
	n = http_request_head(&q, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void
test_connect_head_and_proxy_authorization(void **state)
{
	struct http_req	 q;
	char		 buf[512];
	size_t		 n;

	n = http_connect_head("[::1]:8443", "Basic c2w6cHc=", buf,
	    sizeof(buf));
	assert_true(n > 0 && n < sizeof(buf));
	buf[n] = '\0';
	assert_string_equal(buf, "CONNECT [::1]:8443 HTTP/1.1\r\n"
	    "Host: [::1]:8443\r\nUser-Agent: sidelog/" SIDELOG_VERSION "\r\n"
	    "Proxy-Authorization: Basic c2w6cHc=\r\n\r\n");
	assert_int_equal(http_connect_head("h:1", NULL, buf, 20), 0);
	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.host = "h:8080";
	q.path = "http://h:8080/x";
	q.proxy_authorization = "Basic eA==";
	n = http_request_head(&q, buf, sizeof(buf));
	buf[n] = '\0';
	assert_non_null(strstr(buf, "POST http://h:8080/x HTTP/1.1\r\n"));
	assert_non_null(strstr(buf, "\r\nProxy-Authorization: Basic eA==\r\n"));
}

static int
connect_reply(const char *s, int *status, char *line)
{
	return http_connect_reply(s, strlen(s), status, line, 64);
}

static void
test_connect_reply_head_status_and_refusals(void **state)
{
	char	 line[64];
	int	 st = 0;

	assert_int_equal(connect_reply("HTTP/1.1 200 Connection established"
	    "\r\n\r\n", &st, line), 39);
	assert_int_equal(st, 200);
	assert_string_equal(line, "HTTP/1.1 200 Connection established");
	assert_int_equal(connect_reply("HTTP/1.0 407 Proxy Auth\r\n"
	    "Proxy-Authenticate: Basic\r\n\r\nbody", &st, line), 54);
	assert_int_equal(st, 407);
	assert_int_equal(connect_reply("HTTP/1.1 200\r\n\r\n", &st, line),
	    16);
	assert_int_equal(connect_reply("HTTP/1.1 200 OK\r\n", &st, line), 0);
	assert_int_equal(connect_reply("HTTP/1", &st, line), 0);
	assert_int_equal(connect_reply("", &st, line), 0);
	assert_int_equal(connect_reply("SSH-2.0-OpenSSH\r\n\r\n", &st,
	    line), -1);
	assert_int_equal(connect_reply("HTTP/2 200\r\n\r\n", &st, line), -1);
	assert_int_equal(connect_reply("HTTP/1.1 099 x\r\n\r\n", &st, line),
	    -1);
	assert_int_equal(connect_reply("HTTP/1.1 2000\r\n\r\n", &st, line),
	    -1);
	assert_int_equal(connect_reply("HTTP/1.1 502 \x01" "bad\x7f\r\n\r\n",
	    &st, line), 22);
	assert_string_equal(line, "HTTP/1.1 502  bad ");
}

static void
test_request_head_leaves_out_absent_encoding_and_auth(void **state)
{
	struct http_req	 q;
	char		 buf[512];
	const char	*want = "POST / HTTP/1.1\r\n"
	    "Host: h\r\n"
	    "User-Agent: sidelog/" SIDELOG_VERSION "\r\n"
	    "Content-Type: application/x-ndjson\r\n"
	    "Content-Length: 0\r\n\r\n";
	size_t		 n;

	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.host = "h";
	q.path = "/";
	q.content_type = "application/x-ndjson";
	n = http_request_head(&q, buf, sizeof(buf));
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, n);
}

static void
test_request_head_that_does_not_fit_returns_0(void **state)
{
	struct http_req	 q;
	char		 buf[256];
	size_t		 n, len;

	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.host = "h";
	q.path = "/";
	q.content_type = "text/plain";
	q.content_length = 5;
	n = http_request_head(&q, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(http_request_head(&q, buf, n), n);
	for (len = 0; len < n; len++) {
		memset(buf, 'Z', sizeof(buf));
		assert_int_equal(http_request_head(&q, buf, len), 0);
		assert_int_equal(buf[len], 'Z');
	}
}

static void
test_content_length_response_in_one_piece(void **state)
{
	static const char	 s[] = "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\ncontent-LENGTH: 5\r\n\r\nhello";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_DONE);
	assert_int_equal(used, sizeof(s) - 1);
	assert_int_equal(resp.status, 200);
	assert_int_equal(resp.keep_alive, 1);
	assert_int_equal(resp.retry_after, -1);
	assert_int_equal(resp.bodylen, 5);
	assert_int_equal(resp.bodytotal, 5);
	assert_memory_equal(resp.body, "hello", 5);
}

static void
test_content_length_response_split_anywhere_is_the_same(
    void **state)
{
	static const char	 s[] = "HTTP/1.1 429 Too Many Requests\r\n"
	    "Retry-After: 7\r\nContent-Length: 12\r\n\r\nslow down!\r\n";
	struct outcome		 o;

	assert_split_invariant(s, sizeof(s) - 1, &o);
	assert_int_equal(o.rc, HTTP_DONE);
	assert_int_equal(o.used, sizeof(s) - 1);
	assert_int_equal(o.status, 429);
	assert_int_equal(o.retry_after, 7);
	assert_int_equal(o.bodylen, 12);
	assert_memory_equal(o.body, "slow down!\r\n", 12);
}

static void
test_chunked_body_with_extensions_and_trailers_bytewise(void **state)
{
	static const char	 s[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n"
	    "5;name=value\r\nhello\r\n"
	    "1 ; a ; b=\"c\"\r\n,\r\n"
	    "0006\r\n world\r\n"
	    "0;last\r\n"
	    "X-Checksum: abc\r\nX-Other:\r\n\r\n";
	struct outcome		 o;

	feed_bytewise(&o, s, sizeof(s) - 1);
	assert_int_equal(o.rc, HTTP_DONE);
	assert_int_equal(o.used, sizeof(s) - 1);
	assert_int_equal(o.keep_alive, 1);
	assert_int_equal(o.bodylen, 12);
	assert_int_equal(o.bodytotal, 12);
	assert_memory_equal(o.body, "hello, world", 12);
	assert_split_invariant(s, sizeof(s) - 1, &o);
}

static void
test_chunked_accepts_upper_case_hex_and_bare_lf(void **state)
{
	static const char	 s[] = "HTTP/1.1 200 OK\n"
	    "Transfer-Encoding: Chunked\n\n"
	    "A\nabcdefghij\n0\n\n";
	struct outcome		 o;

	assert_split_invariant(s, sizeof(s) - 1, &o);
	assert_int_equal(o.rc, HTTP_DONE);
	assert_int_equal(o.used, sizeof(s) - 1);
	assert_int_equal(o.bodytotal, 10);
}

static void
test_close_delimited_body_ends_at_eof(void **state)
{
	static const char	 s[] = "HTTP/1.1 500 Oops\r\n\r\nsome text";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_AGAIN);
	assert_int_equal(used, sizeof(s) - 1);
	assert_int_equal(resp.keep_alive, 0);
	assert_int_equal(http_resp_eof(&resp), HTTP_DONE);
	assert_int_equal(resp.status, 500);
	assert_int_equal(resp.keep_alive, 0);
	assert_int_equal(resp.bodylen, 9);
	assert_memory_equal(resp.body, "some text", 9);
}

static void
test_204_has_no_body_and_leaves_the_next_bytes(void **state)
{
	static const char	 s[] = "HTTP/1.1 204 No Content\r\n\r\n"
	    "HTTP/1.1 200 OK\r\n";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_DONE);
	assert_int_equal(used, strlen("HTTP/1.1 204 No Content\r\n\r\n"));
	assert_int_equal(resp.status, 204);
	assert_int_equal(resp.keep_alive, 1);
	assert_int_equal(resp.bodytotal, 0);
}

static void
test_304_has_no_body_whatever_its_content_length(void **state)
{
	static const char	 s[] = "HTTP/1.1 304 Not Modified\r\n"
	    "Content-Length: 100\r\n\r\n";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_DONE);
	assert_int_equal(used, sizeof(s) - 1);
	assert_int_equal(resp.bodytotal, 0);
}

static void
test_content_length_0_is_done_at_the_empty_line(void **state)
{
	static const char	 s[] = "HTTP/1.1 200 OK\r\nContent-Length: 0"
	    "\r\n\r\n";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_DONE);
	assert_int_equal(used, sizeof(s) - 1);
	assert_int_equal(resp.keep_alive, 1);
}

static void
test_100_continue_is_skipped_for_the_final_response(void **state)
{
	static const char	 s[] = "HTTP/1.1 100 Continue\r\n\r\n"
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	struct outcome		 o;

	assert_split_invariant(s, sizeof(s) - 1, &o);
	assert_int_equal(o.rc, HTTP_DONE);
	assert_int_equal(o.status, 200);
	assert_int_equal(o.used, sizeof(s) - 1);
	assert_memory_equal(o.body, "ok", 2);
}

static void
test_103_early_hints_and_their_headers_are_forgotten(void **state)
{
	static const char	 s[] = "HTTP/1.1 103 Early Hints\r\n"
	    "Link: </a.css>; rel=preload\r\nConnection: close\r\n"
	    "Retry-After: 5\r\n\r\n"
	    "HTTP/1.1 204 No Content\r\n\r\n";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_DONE);
	assert_int_equal(resp.status, 204);
	assert_int_equal(resp.keep_alive, 1);
	assert_int_equal(resp.retry_after, -1);
}

static void
test_101_switching_protocols_is_bad(void **state)
{
	BAD("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
	    "unexpected 101 Switching Protocols");
}

static void
test_endless_interim_responses_hit_the_head_bound(void **state)
{
	static const char	 one[] = "HTTP/1.1 100 Continue\r\n\r\n";
	char			*s;
	size_t			 n, i, used;

	n = (HTTP_MAX_HEAD / (sizeof(one) - 1) + 1) * (sizeof(one) - 1);
	s = malloc(n);
	assert_non_null(s);
	for (i = 0; i < n; i += sizeof(one) - 1)
		memcpy(s + i, one, sizeof(one) - 1);
	assert_int_equal(feed_all(s, n, &used), HTTP_BAD);
	assert_string_equal(resp.error,
	    "header section longer than 16384 bytes");
	free(s);
}

static void
test_http10_closes_unless_it_says_keep_alive(void **state)
{
	size_t	 used;

	assert_int_equal(FEED("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
	    &used), HTTP_DONE);
	assert_int_equal(resp.keep_alive, 0);
	assert_int_equal(FEED("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
	    "Content-Length: 1\r\n\r\nx", &used), HTTP_DONE);
	assert_int_equal(resp.keep_alive, 1);
	assert_int_equal(FEED("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n"
	    "\r\nx", &used), HTTP_AGAIN);
	assert_int_equal(http_resp_eof(&resp), HTTP_DONE);
	assert_int_equal(resp.keep_alive, 0);
}

static void
test_connection_close_anywhere_in_the_token_list(void **state)
{
	size_t	 used;

	assert_int_equal(FEED("HTTP/1.1 200 OK\r\nConnection: close\r\n"
	    "Content-Length: 0\r\n\r\n", &used), HTTP_DONE);
	assert_int_equal(resp.keep_alive, 0);
	assert_int_equal(FEED("HTTP/1.1 200 OK\r\nConnection: x-foo ,, CLOSE"
	    "\r\nContent-Length: 0\r\n\r\n", &used), HTTP_DONE);
	assert_int_equal(resp.keep_alive, 0);
	assert_int_equal(FEED("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n"
	    "Connection: close\r\nContent-Length: 0\r\n\r\n", &used),
	    HTTP_DONE);
	assert_int_equal(resp.keep_alive, 0);
	assert_int_equal(FEED("HTTP/1.1 200 OK\r\nConnection: closed, "
	    "upgrade\r\nContent-Length: 0\r\n\r\n", &used), HTTP_DONE);
	assert_int_equal(resp.keep_alive, 1);
}

static int64_t
retry_after_of(const char *value)
{
	char	 s[256];
	size_t	 used;
	int	 n;

	n = snprintf(s, sizeof(s), "HTTP/1.1 503 Busy\r\nRetry-After: %s\r\n"
	    "Content-Length: 0\r\n\r\n", value);
	assert_true(n > 0 && (size_t)n < sizeof(s));
	assert_int_equal(feed_all(s, (size_t)n, &used), HTTP_DONE);
	return resp.retry_after;
}

static void
test_retry_after_in_seconds_is_capped_at_a_day(void **state)
{
	assert_int_equal(retry_after_of("0"), 0);
	assert_int_equal(retry_after_of("120"), 120);
	assert_int_equal(retry_after_of("  30  "), 30);
	assert_int_equal(retry_after_of("86400"), 86400);
	assert_int_equal(retry_after_of("86401"), 86400);
	assert_int_equal(retry_after_of("99999999999999999999999999"), 86400);
}

static void
test_retry_after_as_a_date_counts_from_now(void **state)
{
	char		 date[64];
	struct tm	 tm;
	time_t		 t;
	int64_t		 s;

	t = time(NULL) + 120;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	s = retry_after_of(date);
	assert_true(s >= 118 && s <= 120);
	assert_int_equal(retry_after_of("Sun, 06 Nov 1994 08:49:37 GMT"), 0);
	assert_int_equal(retry_after_of("Fri, 31 Dec 9999 23:59:59 GMT"),
	    86400);
}

static void
test_retry_after_garbage_is_absent(void **state)
{
	static const char	*bad[] = { "", "soon", "-5", "+5", "1.5",
	    "5 s", "0x10", "Sunday, 06-Nov-94 08:49:37 GMT",
	    "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
	    "Sun, 31 Feb 2030 08:49:37 GMT", "Sun, 06 Foo 2030 08:49:37 GMT",
	    "Abc, 06 Nov 2030 08:49:37 GMT", "Sun, 06 Nov 2030 24:49:37 GMT",
	    "Sun, 00 Nov 2030 08:49:37 GMT", "sun, 06 nov 2030 08:49:37 gmt" };
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(retry_after_of(bad[i]), -1);
}

static void
test_body_beyond_cap_is_counted_not_stored(void **state)
{
	char	 s[512];
	size_t	 used;
	int	 n;

	n = snprintf(s, sizeof(s), "HTTP/1.1 502 Bad Gateway\r\n"
	    "Content-Length: 300\r\n\r\n");
	memset(s + n, 'b', 300);
	s[n] = 'a';
	assert_int_equal(feed_all(s, (size_t)n + 300, &used), HTTP_DONE);
	assert_int_equal(resp.bodylen, BODY_CAP);
	assert_int_equal(resp.bodytotal, 300);
	assert_int_equal(body[0], 'a');
	assert_int_equal(body[BODY_CAP - 1], 'b');
}

static void
test_no_body_buffer_still_counts(void **state)
{
	static const char	 s[] = "HTTP/1.1 200 OK\r\nContent-Length: 3"
	    "\r\n\r\nabc";
	size_t			 used;

	http_resp_init(&resp, NULL, 100);
	assert_int_equal(http_resp_feed(&resp, s, sizeof(s) - 1, &used),
	    HTTP_DONE);
	assert_int_equal(resp.bodylen, 0);
	assert_int_equal(resp.bodytotal, 3);
}

static void
test_status_line_without_reason_or_cr_is_fine(void **state)
{
	size_t	 used;

	assert_int_equal(FEED("HTTP/1.1 202\r\nContent-Length: 0\r\n\r\n",
	    &used), HTTP_DONE);
	assert_int_equal(resp.status, 202);
	assert_int_equal(FEED("HTTP/1.1 202 \nContent-Length: 0\n\n", &used),
	    HTTP_DONE);
	assert_int_equal(resp.status, 202);
}

static void
test_garbage_status_lines_are_bad(void **state)
{
	BAD("HTTP/2 200\r\n\r\n", "status line is not HTTP/1.x");
	BAD("HTTP/1.1\r\n\r\n", "status line is not HTTP/1.x");
	BAD("http/1.1 200 OK\r\n\r\n", "status line is not HTTP/1.x");
	BAD("\r\nHTTP/1.1 200 OK\r\n\r\n", "status line is not HTTP/1.x");
	BAD("<html>hello</html>", "status line is not HTTP/1.x");
	BAD("HTTP/1.1 20 OK\r\n\r\n", "bad status code");
	BAD("HTTP/1.1 2000 OK\r\n\r\n", "bad status code");
	BAD("HTTP/1.1  200 OK\r\n\r\n", "bad status code");
	BAD("HTTP/1.1 099 Low\r\n\r\n", "status code 99 out of range");
	BAD("HTTP/1.1 600 High\r\n\r\n", "status code 600 out of range");
}

static void
test_tls_alert_is_bad_at_its_first_byte(void **state)
{
	size_t	 used;

	http_resp_init(&resp, body, sizeof(body));
	assert_int_equal(http_resp_feed(&resp, "\x15\x03\x03", 3, &used),
	    HTTP_BAD);
	assert_int_equal(used, 1);
	assert_string_equal(resp.error, "status line is not HTTP/1.x");
}

/* A head of exactly n bytes: status line, X-Pad lines, empty line. */
static void
make_head(char *s, size_t n)
{
	size_t	 at = 17, k;

	memcpy(s, "HTTP/1.1 200 OK\r\n", 17);
	while (at < n - 2) {
		k = n - 2 - at;
		if (k > 4000)
			k = k - 4000 < 9 ? k - 9 : 4000;
		memcpy(s + at, "X-Pad: ", 7);
		memset(s + at + 7, 'p', k - 9);
		memcpy(s + at + k - 2, "\r\n", 2);
		at += k;
	}
	memcpy(s + at, "\r\n", 2);
}

static void
test_header_section_over_the_bound_is_bad(void **state)
{
	char	*s;
	size_t	 used;

	s = malloc(HTTP_MAX_HEAD + 1);
	assert_non_null(s);
	make_head(s, HTTP_MAX_HEAD);
	assert_int_equal(feed_all(s, HTTP_MAX_HEAD, &used), HTTP_AGAIN);
	assert_int_equal(used, HTTP_MAX_HEAD);
	assert_int_equal(resp.status, 200);
	make_head(s, HTTP_MAX_HEAD + 1);
	assert_int_equal(feed_all(s, HTTP_MAX_HEAD + 1, &used), HTTP_BAD);
	assert_string_equal(resp.error,
	    "header section longer than 16384 bytes");
	assert_int_equal(used, HTTP_MAX_HEAD + 1);
	free(s);
}

static void
test_line_over_the_bound_is_bad(void **state)
{
	char	*s;
	size_t	 n, used;

	s = malloc(HTTP_MAX_LINE + 64);
	assert_non_null(s);
	memcpy(s, "HTTP/1.1 200 OK\r\nX-Long: ", 25);
	/* With its CR LF, the line is exactly HTTP_MAX_LINE: fine. */
	n = 17 + HTTP_MAX_LINE;
	memset(s + 25, 'l', n - 2 - 25);
	memcpy(s + n - 2, "\r\n", 2);
	assert_int_equal(feed_all(s, n, &used), HTTP_AGAIN);
	assert_int_equal(used, n);
	/* One byte more is not. */
	memset(s + 25, 'l', n - 1 - 25);
	memcpy(s + n - 1, "\r\n", 2);
	assert_int_equal(feed_all(s, n + 1, &used), HTTP_BAD);
	assert_string_equal(resp.error, "header line longer than 8192 bytes");
	free(s);
}

static void
test_chunk_line_over_the_bound_is_bad(void **state)
{
	static const char	 head[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n1;";
	char			*s;
	size_t			 n, used;

	n = sizeof(head) - 1 + HTTP_MAX_LINE;
	s = malloc(n);
	assert_non_null(s);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'e', HTTP_MAX_LINE);
	assert_int_equal(feed_all(s, n, &used), HTTP_BAD);
	assert_string_equal(resp.error, "chunk line longer than 8192 bytes");
	free(s);
}

static void
test_bad_chunk_sizes(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "x\r\n", "bad chunk size");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "\r\n", "bad chunk size");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    " 5\r\nhello\r\n", "bad chunk size");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "-5\r\nhello\r\n", "bad chunk size");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5x\r\nhello\r\n", "bad chunk size");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "0x5\r\nhello\r\n", "bad chunk size");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello, world\r\n", "chunk data longer than its size");
}

static void
test_chunk_size_overflow_is_bad(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "ffffffffffffffffff\r\n", "chunk size longer than 16 hex digits");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "00000000000000001\r\nx\r\n",
	    "chunk size longer than 16 hex digits");
}

static void
test_chunk_size_of_16_digits_is_accepted(void **state)
{
	static const char	 s[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_AGAIN);
	assert_int_equal(resp.bodytotal, 3);
	assert_int_equal(http_resp_eof(&resp), HTTP_BAD);
	assert_string_equal(resp.error, "chunked body cut short");
}

static void
test_content_length_with_transfer_encoding_is_bad(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "Content-Length and Transfer-Encoding both present");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n",
	    "Content-Length and Transfer-Encoding both present");
}

static void
test_transfer_encoding_other_than_chunked_is_bad(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
	    "Transfer-Encoding other than chunked");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	    "Transfer-Encoding other than chunked");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
	    "Transfer-Encoding other than chunked");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "Transfer-Encoding other than chunked");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n",
	    "empty Transfer-Encoding");
	BAD("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "Transfer-Encoding in an HTTP/1.0 response");
}

static void
test_content_lengths_that_disagree_are_bad(void **state)
{
	size_t	 used;

	BAD("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n"
	    "\r\nhello!", "conflicting Content-Length values");
	assert_int_equal(FEED("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "content-length: 5\r\n\r\nhello", &used), HTTP_DONE);
	assert_int_equal(resp.bodytotal, 5);
}

static void
test_negative_or_non_digit_content_length_is_bad(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	    "Content-Length is not a number");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n",
	    "Content-Length is not a number");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
	    "Content-Length is not a number");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n",
	    "Content-Length is not a number");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
	    "Content-Length is not a number");
	BAD("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
	    "empty Content-Length");
}

static void
test_content_length_overflow_is_bad(void **state)
{
	size_t	 used;

	BAD("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
	    "Content-Length too large");
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n"
	    "\r\n", "Content-Length too large");
	assert_int_equal(FEED("HTTP/1.1 200 OK\r\n"
	    "Content-Length: 18446744073709551615\r\n\r\nab", &used),
	    HTTP_AGAIN);
	assert_int_equal(resp.bodytotal, 2);
}

static void
test_obsolete_line_folding_is_bad(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\nContent-Length: 0\r\n\r\n",
	    "obsolete line folding in the header section");
	BAD("HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\n\r\n",
	    "obsolete line folding in the header section");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
	    "X-T: a\r\n b\r\n\r\n",
	    "obsolete line folding in the trailer section");
}

static void
test_malformed_header_lines_are_bad(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
	    "header line without a field name");
	BAD("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
	    "header line without a field name");
	BAD("HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
	    "bad header field name");
	BAD("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
	    "bare CR in a header line");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
	    "bad trailer\r\n\r\n", "trailer line without a field name");
}

static void
test_body_cut_short_by_eof_is_bad(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
	    "body cut short: 10 of 100 bytes");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
	    "chunked body cut short");
	BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
	    "chunked body cut short");
	BAD("HTTP/1.1 200 OK\r\nContent-Le", "header section cut short");
	BAD("HTTP/1.1 100 Continue\r\n\r\n", "header section cut short");
	BAD("", "connection closed before a response");
}

static void
test_nul_in_the_head_is_bad(void **state)
{
	BAD("HTTP/1.1 200 OK\r\nX-A: a\0b\r\nContent-Length: 0\r\n\r\n",
	    "NUL byte in a header line");
	BAD("HTTP/1.1 200 \0K\r\n\r\n", "NUL byte in a header line");
	BAD("\0", "NUL byte in a header line");
}

static void
test_nul_in_the_body_is_just_a_byte(void **state)
{
	static const char	 s[] = "HTTP/1.1 200 OK\r\nContent-Length: 3"
	    "\r\n\r\na\0b";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_DONE);
	assert_memory_equal(resp.body, "a\0b", 3);
}

static void
test_used_stops_at_the_end_so_pipelined_bytes_remain(void **state)
{
	static const char	 a[] = "HTTP/1.1 200 OK\r\nContent-Length: 2"
	    "\r\n\r\nokHTTP/1.1 200 OK\r\n";
	static const char	 b[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\nextra";
	size_t			 used;
	struct outcome		 o;

	assert_int_equal(FEED(a, &used), HTTP_DONE);
	assert_int_equal(used, sizeof(a) - 1 - strlen("HTTP/1.1 200 OK\r\n"));
	assert_int_equal(FEED(b, &used), HTTP_DONE);
	assert_int_equal(used, sizeof(b) - 1 - 5);
	assert_split_invariant(b, sizeof(b) - 1, &o);
	assert_int_equal(o.used, sizeof(b) - 1 - 5);
}

static void
test_feeding_after_the_end_consumes_nothing(void **state)
{
	static const char	 s[] = "HTTP/1.1 204 No Content\r\n\r\n";
	size_t			 used;

	assert_int_equal(FEED(s, &used), HTTP_DONE);
	assert_int_equal(http_resp_feed(&resp, "more", 4, &used), HTTP_DONE);
	assert_int_equal(used, 0);
	assert_int_equal(http_resp_eof(&resp), HTTP_DONE);
	BAD("junk", "status line is not HTTP/1.x");
	assert_int_equal(http_resp_feed(&resp, "HTTP/1.1", 8, &used),
	    HTTP_BAD);
	assert_int_equal(used, 0);
}

static void
test_trailer_section_has_its_own_bound(void **state)
{
	static const char	 head[] = "HTTP/1.1 200 OK\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n";
	char			*s;
	size_t			 n, used;

	n = sizeof(head) - 1;
	s = malloc(n + HTTP_MAX_HEAD + 200);
	assert_non_null(s);
	memcpy(s, head, n);
	while (n < sizeof(head) - 1 + HTTP_MAX_HEAD + 100) {
		memcpy(s + n, "X-T: tttttttt\r\n", 15);
		n += 15;
	}
	assert_int_equal(feed_all(s, n, &used), HTTP_BAD);
	assert_string_equal(resp.error,
	    "trailer section longer than 16384 bytes");
	free(s);
}

/* xorshift64*: the fuzz loop is the same on every run. */
static uint64_t	 rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static size_t
rnd_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rnd() % n);
}

static const char *const corpus[] = {
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5;x=y\r\nhello\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
	"HTTP/1.0 503 Busy\r\nRetry-After: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "Connection: keep-alive\r\n\r\nbody until close",
	"HTTP/1.1 429 Slow\r\nRetry-After: 3\r\nConnection: close\r\n"
	    "Content-Length: 0\r\n\r\n",
	"HTTP/1.1 304 Not Modified\nContent-Length: 9\n\n",
};

/* Flips, inserts, deletes or repeats bytes of s; returns the new length. */
static size_t
mutate(char *s, size_t n, size_t cap)
{
	static const char	 spice[] = "\r\n:;, 0fF9\t\0-HTTP/1.";
	size_t			 k, at, len, rounds = 1 + rnd_below(4);

	for (k = 0; k < rounds; k++) {
		at = rnd_below(n + 1);
		switch (rnd_below(5)) {
		case 0:
			if (at < n)
				s[at] = (char)rnd();
			break;
		case 1:
			if (at < n)
				s[at] = spice[rnd_below(sizeof(spice) - 1)];
			break;
		case 2:
			if (n < cap) {
				memmove(s + at + 1, s + at, n - at);
				s[at] = spice[rnd_below(sizeof(spice) - 1)];
				n++;
			}
			break;
		case 3:
			len = rnd_below(n - at + 1);
			memmove(s + at, s + at + len, n - at - len);
			n -= len;
			break;
		default:
			len = rnd_below(n - at + 1);
			if (n + len <= cap) {
				memmove(s + at + len, s + at, n - at);
				memcpy(s + at + len, s + at, len);
				n += len;
			}
			break;
		}
	}
	return n;
}

/* Feeds s in random pieces; the parse must end in one of three codes. */
static void
fuzz_one(const char *s, size_t n)
{
	struct http_resp	*r = &resp;
	enum http_rc		 rc = HTTP_AGAIN;
	size_t			 cap, at = 0, piece, used;
	char			*b;

	cap = rnd_below(3) == 0 ? 0 : rnd_below(40);
	b = cap > 0 ? malloc(cap) : NULL;
	http_resp_init(r, b, cap);
	while (at < n && rc == HTTP_AGAIN) {
		piece = 1 + rnd_below(n - at);
		rc = feed_copy(r, s + at, piece, &used);
		at += used;
	}
	if (rc == HTTP_AGAIN)
		rc = http_resp_eof(r);
	assert_true(rc == HTTP_DONE || rc == HTTP_BAD);
	if (rc == HTTP_BAD)
		assert_true(r->error[0] != '\0' && r->keep_alive == 0);
	else
		assert_true(r->status >= 200 && r->status <= 599);
	assert_true(r->bodylen <= cap && r->bodylen <= r->bodytotal);
	assert_true(r->retry_after >= -1 && r->retry_after <= 86400);
	free(b);
}

static void
test_fuzz_ends_in_one_of_three_codes(void **state)
{
	char	 s[1024];
	size_t	 n, i, k;

	for (i = 0; i < FUZZ_ROUNDS; i++) {
		if (i % 4 == 0) {
			n = rnd_below(300);
			for (k = 0; k < n; k++)
				s[k] = (char)rnd();
			if (n > 9 && rnd_below(2) == 0)
				memcpy(s, "HTTP/1.1 ", 9);
		} else {
			k = rnd_below(sizeof(corpus) / sizeof(corpus[0]));
			n = strlen(corpus[k]);
			memcpy(s, corpus[k], n);
			n = mutate(s, n, sizeof(s));
		}
		fuzz_one(s, n);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_head_has_the_exact_bytes),
		cmocka_unit_test(
		    test_request_head_leaves_out_absent_encoding_and_auth),
		cmocka_unit_test(
		    test_request_head_that_does_not_fit_returns_0),
		cmocka_unit_test(test_content_length_response_in_one_piece),
		cmocka_unit_test(
		    test_content_length_response_split_anywhere_is_the_same),
		cmocka_unit_test(
		    test_chunked_body_with_extensions_and_trailers_bytewise),
		cmocka_unit_test(
		    test_chunked_accepts_upper_case_hex_and_bare_lf),
		cmocka_unit_test(test_close_delimited_body_ends_at_eof),
		cmocka_unit_test(
		    test_204_has_no_body_and_leaves_the_next_bytes),
		cmocka_unit_test(
		    test_304_has_no_body_whatever_its_content_length),
		cmocka_unit_test(
		    test_content_length_0_is_done_at_the_empty_line),
		cmocka_unit_test(
		    test_100_continue_is_skipped_for_the_final_response),
		cmocka_unit_test(
		    test_103_early_hints_and_their_headers_are_forgotten),
		cmocka_unit_test(test_101_switching_protocols_is_bad),
		cmocka_unit_test(
		    test_endless_interim_responses_hit_the_head_bound),
		cmocka_unit_test(test_http10_closes_unless_it_says_keep_alive),
		cmocka_unit_test(
		    test_connection_close_anywhere_in_the_token_list),
		cmocka_unit_test(
		    test_retry_after_in_seconds_is_capped_at_a_day),
		cmocka_unit_test(test_retry_after_as_a_date_counts_from_now),
		cmocka_unit_test(test_retry_after_garbage_is_absent),
		cmocka_unit_test(test_body_beyond_cap_is_counted_not_stored),
		cmocka_unit_test(test_no_body_buffer_still_counts),
		cmocka_unit_test(test_status_line_without_reason_or_cr_is_fine),
		cmocka_unit_test(test_garbage_status_lines_are_bad),
		cmocka_unit_test(test_tls_alert_is_bad_at_its_first_byte),
		cmocka_unit_test(test_header_section_over_the_bound_is_bad),
		cmocka_unit_test(test_line_over_the_bound_is_bad),
		cmocka_unit_test(test_chunk_line_over_the_bound_is_bad),
		cmocka_unit_test(test_bad_chunk_sizes),
		cmocka_unit_test(test_chunk_size_overflow_is_bad),
		cmocka_unit_test(test_chunk_size_of_16_digits_is_accepted),
		cmocka_unit_test(
		    test_content_length_with_transfer_encoding_is_bad),
		cmocka_unit_test(
		    test_transfer_encoding_other_than_chunked_is_bad),
		cmocka_unit_test(test_content_lengths_that_disagree_are_bad),
		cmocka_unit_test(
		    test_negative_or_non_digit_content_length_is_bad),
		cmocka_unit_test(test_content_length_overflow_is_bad),
		cmocka_unit_test(test_obsolete_line_folding_is_bad),
		cmocka_unit_test(test_malformed_header_lines_are_bad),
		cmocka_unit_test(test_body_cut_short_by_eof_is_bad),
		cmocka_unit_test(test_nul_in_the_head_is_bad),
		cmocka_unit_test(test_nul_in_the_body_is_just_a_byte),
		cmocka_unit_test(
		    test_used_stops_at_the_end_so_pipelined_bytes_remain),
		cmocka_unit_test(test_feeding_after_the_end_consumes_nothing),
		cmocka_unit_test(test_trailer_section_has_its_own_bound),
		cmocka_unit_test(test_fuzz_ends_in_one_of_three_codes),
		cmocka_unit_test(test_connect_head_and_proxy_authorization),
		cmocka_unit_test(test_connect_reply_head_status_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
