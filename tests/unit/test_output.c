/*
 * test_output.c: the at-least-once accounting of output.c, against a
 * real HTTP/1.1 peer: for each kind of reply, what the backend took,
 * how far each file counts as delivered, what output_stats() says and
 * what the dead-letter file holds.
 *
 * The peer is a small server in a forked child on 127.0.0.1, answering
 * each request as the test's rule says.  It notes every request and the
 * records in it in a file before it answers, so once the output is idle
 * that file holds all the backend saw.  It inflates gzip bodies and
 * reads the records; each carries its number ("r00042"), some a mark
 * (" bad").
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "config.h"
#include "log.h"
#include "loop.h"
#include "output.h"
#include "parse.h"
#include "tail.h"
#include "tmpdir.h"

#define OUT		(1u << TAIL_SINK_OUTPUT)
#define MAX_RECS	8192	/* records one test sends */
#define MAX_REQS	16384	/* requests the server notes */
#define REQ_RECS	4096	/* records in one request */
#define MAX_CLIENTS	16	/* connections the server holds */
#define MAX_PAD		700	/* pad bytes in a record */
#define TIME		"2026-11-22T08:00:00.000000Z"
#define NONE		"compression = none\n"
#define GZIP		"compression = gzip\n"

/* One request, as a rule sees it. */
struct req {
	int	 nth;			/* 0: the first the server got */
	int	 n;			/* records in it */
	int	 rec[REQ_RECS];		/* their numbers */
	int	 marked;		/* how many of them are marked */
};

/* What the server answers, as the rule chose. */
struct answer {
	int		 status;	/* 0: close without a reply */
	int		 retry_after;	/* seconds; -1: no header */
	int		 nitems;	/* > 0: a _bulk reply of these */
	int		 items[REQ_RECS];
	const char	*body;		/* else this body, or none */
};

typedef void	rule_fn(const struct req *, struct answer *);

/* What the server saw, read back from its notes. */
static struct {
	int		 requests;
	int		 status[MAX_REQS];
	int		 nrec[MAX_REQS];
	uint64_t	 at[MAX_REQS];	/* CLOCK_MONOTONIC ms */
	int		 alone[MAX_RECS];	/* times each came alone */
	int		 taken[MAX_RECS];	/* times each was taken */
} seen;

/* The test's side: one output, one file, one server. */
static struct {
	pid_t		 server;
	int		 port;
	struct config	*cfg;
	struct loop	*lp;
	struct loop_timer *tick, *deadline;
	int		 idle;
	struct output	*o;
	struct record_tpl *tpl;
	struct parser	*parser;
	struct tail	*t;
	int		 n;
	uint64_t	 off[MAX_RECS + 1];	/* record i starts at off[i] */
} fx;


static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- the server (the child) ------------------------------------------- */

struct client {
	int	 fd;
	char	*buf;
	size_t	 len, cap;
};

/* The number of the record on a line, or -1 (an action line). */
static int
rec_number(const char *line, size_t len)
{
	const char	*p = memmem(line, len, "\"message\":\"r", 12);

	return p == NULL ? -1 : (int)strtol(p + 12, NULL, 10);
}

static int
send_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
respond(int fd, const struct answer *a)
{
	char	*body = NULL, head[256], ra[64] = "";
	size_t	 blen = 0;
	FILE	*m;
	int	 i, hlen, rc;

	m = open_memstream(&body, &blen);
	if (m == NULL)
		return -1;
	if (a->nitems > 0)
		fputs("{\"took\":1,\"errors\":true,\"items\":[", m);
	for (i = 0; i < a->nitems; i++)
		fprintf(m, "%s{\"create\":{\"status\":%d%s}}", i ? "," : "",
		    a->items[i], a->items[i] >= 300 ?
		    ",\"error\":{\"type\":\"test_exception\"}" : "");
	if (a->nitems > 0)
		fputs("]}", m);
	else if (a->body != NULL)
		fputs(a->body, m);
	fclose(m);
	if (a->retry_after >= 0)
		snprintf(ra, sizeof(ra), "Retry-After: %d\r\n", a->retry_after);
	hlen = snprintf(head, sizeof(head), "HTTP/1.1 %d Test\r\n"
	    "Content-Length: %zu\r\n%s\r\n", a->status, blen, ra);
	rc = send_all(fd, head, (size_t)hlen) == 0 &&
	    send_all(fd, body, blen) == 0 ? 0 : -1;
	free(body);
	return rc;
}

/* A gzip body inflated, in a buffer to free; NULL if it is not gzip. */
static char *
gunzip(const char *in, size_t len, size_t *outlen)
{
	z_stream	 z;
	char		*out = NULL, *p;
	size_t		 cap = 0;
	int		 rc = Z_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return NULL;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	while (rc == Z_OK) {
		cap = cap ? cap * 2 : 64 * 1024;
		p = realloc(out, cap);
		if (p == NULL)
			break;
		out = p;
		z.next_out = (Bytef *)out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_FINISH);
		if (rc == Z_BUF_ERROR && z.avail_out == 0)
			rc = Z_OK;
	}
	*outlen = z.total_out;
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(out);
		return NULL;
	}
	return out;
}

/* Notes the request and what it said of each record, then answers.
 * -1: the connection is to be closed. */
static int
handle(int fd, const char *body, size_t len, rule_fn *rule, FILE *log,
    int *nth)
{
	static struct req	 rq;
	static struct answer	 a;
	const char		*p, *end, *nl;
	char			*gz;
	size_t			 gzlen;
	int			 i, st;

	gz = gunzip(body, len, &gzlen);
	if (gz != NULL) {
		body = gz;
		len = gzlen;
	}
	p = body;
	end = body + len;
	memset(&rq, 0, sizeof(rq));
	rq.nth = (*nth)++;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		i = rec_number(p, (size_t)(nl - p));
		if (i >= 0 && rq.n < REQ_RECS) {
			rq.rec[rq.n++] = i;
			rq.marked += memmem(p, (size_t)(nl - p), " bad\"", 5) !=
			    NULL;
		}
		p = nl + (nl < end);
	}
	free(gz);
	memset(&a, 0, sizeof(a));
	a.status = 200;
	a.retry_after = -1;
	rule(&rq, &a);
	fprintf(log, "Q %d %d %llu\n", a.status, rq.n,
	    (unsigned long long)now_ms());
	/* A _bulk reply speaks per item, if it can be read at all. */
	for (i = 0; i < rq.n; i++) {
		st = a.nitems == rq.n ? a.items[i] : a.nitems > 0 ||
		    a.body != NULL ? -1 : a.status;
		fprintf(log, "R %d %d\n", rq.rec[i], st);
	}
	fflush(log);
	return a.status == 0 ? -1 : respond(fd, &a);
}

/* The length of the complete request at the head of buf, or 0. */
static size_t
complete(const char *buf, size_t len, const char **body, size_t *blen)
{
	const char	*end, *cl;
	size_t		 hlen;

	end = memmem(buf, len, "\r\n\r\n", 4);
	if (end == NULL)
		return 0;
	hlen = (size_t)(end + 4 - buf);
	cl = memmem(buf, hlen, "Content-Length: ", 16);
	*blen = cl == NULL ? 0 : strtoull(cl + 16, NULL, 10);
	if (len - hlen < *blen)
		return 0;
	*body = buf + hlen;
	return hlen + *blen;
}

/* Reads what came and answers each complete request; -1: close. */
static int
client_read(struct client *c, rule_fn *rule, FILE *log, int *nth)
{
	const char	*body;
	size_t		 used, blen;
	ssize_t		 r;

	if (c->len == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64 * 1024;
		c->buf = realloc(c->buf, c->cap);
		if (c->buf == NULL)
			return -1;
	}
	r = read(c->fd, c->buf + c->len, c->cap - c->len);
	if (r <= 0)
		return -1;
	c->len += (size_t)r;
	for (;;) {
		used = complete(c->buf, c->len, &body, &blen);
		if (used == 0)
			return 0;
		if (handle(c->fd, body, blen, rule, log, nth) == -1)
			return -1;
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
}

/* Serves until it is killed. */
static void
server(int lfd, rule_fn *rule, FILE *log)
{
	struct client	 cl[MAX_CLIENTS];
	struct pollfd	 pf[MAX_CLIENTS + 1];
	int		 n = 0, i, nth = 0, fd;

	for (;;) {
		pf[0].fd = lfd;
		pf[0].events = POLLIN;
		for (i = 0; i < n; i++) {
			pf[i + 1].fd = cl[i].fd;
			pf[i + 1].events = POLLIN;
		}
		if (poll(pf, (nfds_t)n + 1, -1) == -1)
			continue;
		/* Downwards, so that the last one moved in was done. */
		for (i = n - 1; i >= 0; i--)
			if (pf[i + 1].revents != 0 &&
			    client_read(&cl[i], rule, log, &nth) == -1) {
				close(cl[i].fd);
				free(cl[i].buf);
				cl[i] = cl[--n];
			}
		if ((pf[0].revents & POLLIN) && n < MAX_CLIENTS) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd == -1)
				continue;
			memset(&cl[n], 0, sizeof(cl[n]));
			cl[n++].fd = fd;
		}
	}
}

/* Starts the server with its rule; its port is fx.port. */
static void
serve(rule_fn *rule)
{
	struct sockaddr_in	 sa;
	socklen_t		 len = sizeof(sa);
	FILE			*log;
	int			 lfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 64), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	fx.port = ntohs(sa.sin_port);
	log = fopen(path_of("server.log"), "w");
	assert_non_null(log);
	fx.server = fork();
	assert_true(fx.server != -1);
	if (fx.server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		server(lfd, rule, log);
		_exit(0);
	}
	fclose(log);
	close(lfd);
}

/* Stops the server and reads its notes into seen. */
static void
collect(void)
{
	char	 line[128];
	FILE	*f;
	int	 a, b, q = -1;
	unsigned long long ms;

	kill(fx.server, SIGKILL);
	waitpid(fx.server, NULL, 0);
	fx.server = -1;
	f = fopen(path_of("server.log"), "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL &&
	    strchr(line, '\n') != NULL) {
		if (sscanf(line, "Q %d %d %llu", &a, &b, &ms) == 3 &&
		    q + 1 < MAX_REQS) {
			q++;
			seen.status[q] = a;
			seen.nrec[q] = b;
			seen.at[q] = ms;
		} else if (sscanf(line, "R %d %d", &a, &b) == 2 && q >= 0 &&
		    a >= 0 && a < MAX_RECS) {
			seen.alone[a] += seen.nrec[q] == 1;
			seen.taken[a] += (b >= 200 && b < 300) || b == 409;
		}
	}
	seen.requests = q + 1;
	fclose(f);
}

/* --- the output (the test) -------------------------------------------- */

/* An output to the server, with the test's [output] keys: NONE or
 * GZIP and more. */
static void
start(const char *keys)
{
	FILE	*f;

	f = fopen(path_of("t.ini"), "w");
	assert_non_null(f);
	fprintf(f, "[sidelog]\ncheckpoint_dir = %s\nmemory_limit = 64m\n"
	    "[input.app]\npaths = %s/*.log\nmax_line_bytes = 1k\nparse = json\n"
	    "[output]\nurl = http://127.0.0.1:%d/%s\n"
	    "retry_initial = 10ms\nretry_max = 50ms\n%s", tmp_root(), tmp_root(), fx.port,
	    strstr(keys, "elasticsearch") ? "_bulk" : "ingest", keys);
	fclose(f);
	fx.cfg = config_load(path_of("t.ini"), stderr);
	assert_non_null(fx.cfg);
	fx.lp = loop_new();
	assert_non_null(fx.lp);
	fx.o = output_new(fx.lp, fx.cfg, NULL);
	assert_non_null(fx.o);
	fx.tpl = record_tpl_new(fx.cfg, &fx.cfg->inputs[0], NULL, 0);
	assert_non_null(fx.tpl);
	fx.parser = parser_new(fx.cfg, &fx.cfg->inputs[0]);
	assert_non_null(fx.parser);
}

/* Record i as a line of its file: its number, a mark, pad bytes. */
static int
record(char *buf, size_t len, int i, int mark, size_t pad)
{
	static char	 xs[MAX_PAD + 1];

	if (xs[0] == '\0')
		memset(xs, 'x', MAX_PAD);
	return snprintf(buf, len, "{\"message\":\"r%05d%s\",\"pad\":\"%.*s\"}"
	    "\n", i, i == mark ? " bad" : "", (int)pad, xs);
}

/*
 * n records (record mark with the mark, pad bytes each) written to a
 * file that is followed and read, then handed to the output as the
 * reader does, then the open batch closed.
 */
static void
feed(int n, int mark, size_t pad)
{
	static struct parsed	 parsed;
	struct record_vals	 v;
	struct line_rec		 lr;
	const char		*doc;
	char			 buf[1024];
	size_t			 len, doclen;
	FILE			*f;
	int			 i, why, errors = 0;

	assert_true(n <= MAX_RECS && pad <= MAX_PAD);
	f = fopen(path_of("app.log"), "w");
	assert_non_null(f);
	for (i = 0; i < n; i++) {
		fx.off[i + 1] = fx.off[i] + (uint64_t)record(buf, sizeof(buf),
		    i, mark, pad);
		fputs(buf, f);
	}
	fclose(f);
	fx.n = n;
	fx.t = tail_open(0, path_of("app.log"), tmp_root(), OUT, &why);
	assert_non_null(fx.t);
	assert_int_equal(tail_check(fx.t), TAIL_READY);
	tail_consume(fx.t, NULL, fx.off[n]);
	for (i = 0; i < n; i++) {
		len = (size_t)record(buf, sizeof(buf), i, mark, pad);
		memset(&lr, 0, sizeof(lr));
		lr.msg = buf;
		lr.len = len - 1;
		lr.off = fx.off[i];
		lr.end = fx.off[i + 1];
		memset(&v, 0, sizeof(v));
		v.line = &lr;
		v.path = tail_path(fx.t);
		v.pathlen = strlen(v.path);
		v.time = TIME;
		if (parser_run(fx.parser, lr.msg, lr.len, &parsed, &errors))
			v.parsed = &parsed;
		assert_int_equal(output_add(fx.o, fx.tpl, &v, fx.t,
		    tail_gen(fx.t), lr.off, lr.end, &doc, &doclen), 0);
		/* What stdout would copy: the document, never an action. */
		assert_non_null(doc);
		assert_memory_equal(doc, "{\"@timestamp\":", 14);
	}
	output_flush(fx.o);
}

static void
tick(void *arg)
{
	if (output_is_idle(fx.o)) {
		fx.idle = 1;
		loop_stop(fx.lp);
	} else
		loop_timer_set(fx.tick, 5);
}

static void
deadline(void *arg)
{
	loop_stop(fx.lp);
}

/* Runs the loop for ms, or until the output is idle if so asked;
 * 1 if it is idle. */
static int
run(uint64_t ms, int until_idle)
{
	fx.tick = loop_timer_new(fx.lp, tick, NULL);
	fx.deadline = loop_timer_new(fx.lp, deadline, NULL);
	assert_non_null(fx.tick);
	assert_non_null(fx.deadline);
	if (until_idle)
		loop_timer_set(fx.tick, 5);
	loop_timer_set(fx.deadline, ms);
	assert_int_equal(loop_run(fx.lp), 0);
	return until_idle ? fx.idle : output_is_idle(fx.o);
}

static uint64_t
code(const struct output_stats *st, int status)
{
	int	 i;

	for (i = 0; i < st->ncodes; i++)
		if (st->codes[i].code == status)
			return st->codes[i].n;
	return 0;
}

/* Each record but skip reached the backend and was taken once. */
static void
assert_taken_once(int skip)
{
	int	 i;

	for (i = 0; i < fx.n; i++)
		if (i != skip && seen.taken[i] != 1)
			fail_msg("record %d taken %d times", i, seen.taken[i]);
}

/* The dead-letter file holds exactly record i's document. */
static void
assert_dead_letter_is(int i, int mark)
{
	char	 want[64], got[2048];
	FILE	*f;
	size_t	 n;

	snprintf(want, sizeof(want), "\"message\":\"r%05d%s\"", i,
	    i == mark ? " bad" : "");
	f = fopen(path_of("dead.ndjson"), "r");
	assert_non_null(f);
	n = fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	got[n] = '\0';
	/* One record, the document alone (no _bulk action line). */
	assert_true(n > 0 && got[n - 1] == '\n');
	assert_ptr_equal(strchr(got, '\n'), got + n - 1);
	assert_memory_equal(got, "{\"@timestamp\":", 14);
	assert_non_null(strstr(got, want));
}

/* --- rules ---------------------------------------------------------- */

static void
rule_ok(const struct req *rq, struct answer *a)
{
}

static void
rule_503_first(const struct req *rq, struct answer *a)
{
	if (rq->nth == 0)
		a->status = 503;
}

static void
rule_429_first(const struct req *rq, struct answer *a)
{
	if (rq->nth == 0) {
		a->status = 429;
		a->retry_after = 1;
	}
}

static void
rule_close_first(const struct req *rq, struct answer *a)
{
	if (rq->nth == 0)
		a->status = 0;
}

static void
rule_413_over_3(const struct req *rq, struct answer *a)
{
	if (rq->n > 3)
		a->status = 413;
}

static void
rule_400_marked(const struct req *rq, struct answer *a)
{
	if (rq->marked > 0)
		a->status = 400;
}

static void
all_items(const struct req *rq, struct answer *a, int status)
{
	int	 i;

	for (i = 0; i < rq->n; i++)
		a->items[i] = status;
	a->nitems = rq->n;
}

/* Items of the first: created, already there, too busy, refused. */
static void
rule_bulk_mixed(const struct req *rq, struct answer *a)
{
	static const int	 first[4] = { 201, 409, 429, 400 };

	all_items(rq, a, 201);
	if (rq->nth == 0 && rq->n == 4)
		memcpy(a->items, first, sizeof(first));
}

static void
rule_bulk_not_json(const struct req *rq, struct answer *a)
{
	if (rq->nth == 0)
		a->body = "<html>502 Bad Gateway</html>";
	else
		all_items(rq, a, 201);
}

static void
rule_bulk_too_few(const struct req *rq, struct answer *a)
{
	all_items(rq, a, 201);
	if (rq->nth == 0)
		a->nitems = rq->n - 1;
}

static void
rule_503_five(const struct req *rq, struct answer *a)
{
	if (rq->nth < 5)
		a->status = 503;
}

/* --- tests ------------------------------------------------------------ */

static void
test_2xx_delivers_every_record_up_to_the_end_of_the_file(void **state)
{
	struct output_stats	 st;

	serve(rule_ok);
	start(NONE "batch_max_records = 10\n");
	feed(95, -1, 0);
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_int_equal(seen.requests, 10);
	assert_taken_once(-1);
	assert_int_equal(st.delivered, 95);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.retries, 0);
	assert_int_equal(code(&st, 200), 10);
	assert_int_equal(tail_delivered(fx.t), fx.off[95]);
}

static void
test_a_503_is_sent_again_after_a_backoff_and_nothing_is_lost(void **state)
{
	struct output_stats	 st;

	serve(rule_503_first);
	start(NONE "batch_max_records = 10\n");
	feed(30, -1, 0);
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_int_equal(seen.requests, 4);
	assert_taken_once(-1);
	assert_int_equal(st.delivered, 30);
	assert_int_equal(st.retries, 1);
	assert_int_equal(code(&st, 503), 1);
	assert_int_equal(code(&st, 200), 3);
	assert_int_equal(tail_delivered(fx.t), fx.off[30]);
}

static void
test_a_429_waits_as_long_as_retry_after_says(void **state)
{
	struct output_stats	 st;

	serve(rule_429_first);
	start(NONE);
	feed(10, -1, 0);		/* one batch */
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_int_equal(seen.requests, 2);
	assert_true(seen.at[1] - seen.at[0] >= 1000);
	assert_taken_once(-1);
	assert_int_equal(st.delivered, 10);
	assert_int_equal(st.retries, 1);
	assert_int_equal(code(&st, 429), 1);
	assert_int_equal(code(&st, 200), 1);
	assert_int_equal(tail_delivered(fx.t), fx.off[10]);
}

/* The first request of its connection: the server failed, not a
 * kept-alive connection it had closed. */
static void
test_a_connection_closed_without_a_reply_is_sent_again(void **state)
{
	struct output_stats	 st;

	serve(rule_close_first);
	start(NONE "batch_max_records = 10\n");
	feed(30, -1, 0);
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_int_equal(seen.requests, 4);
	assert_taken_once(-1);
	assert_int_equal(st.delivered, 30);
	assert_int_equal(st.retries, 1);
	assert_int_equal(code(&st, 0), 1);
	assert_int_equal(tail_delivered(fx.t), fx.off[30]);
}

/* 20 -> 2 x 10 -> 4 x 5 refused (7 times), then 4 x 2 and 4 x 3 taken. */
static void
split_413(const char *keys)
{
	struct output_stats	 st;
	int			 q;

	serve(rule_413_over_3);
	start(keys);
	feed(20, -1, 0);		/* one batch */
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	for (q = 0; q < seen.requests; q++)
		if (seen.status[q] == 200)
			assert_true(seen.nrec[q] <= 3);
	assert_taken_once(-1);
	assert_int_equal(st.delivered, 20);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.retries, 0);
	assert_int_equal(code(&st, 413), 7);
	assert_int_equal(code(&st, 200), 8);
	assert_int_equal(tail_delivered(fx.t), fx.off[20]);
}

static void
test_a_413_splits_the_batch_until_it_fits(void **state)
{
	split_413(GZIP);
}

/* Parts of a refused batch are made without gzip when bodies go without
 * it (they were once compressed with a stream never set up, and the
 * batch went again whole, for ever). */
static void
test_a_413_splits_an_uncompressed_batch_too(void **state)
{
	split_413(NONE);
}

static void
test_a_400_bisects_to_the_refused_record_and_dead_letters_it(void **state)
{
	struct output_stats	 st;
	char			 keys[PATH_MAX + 32];

	snprintf(keys, sizeof(keys), GZIP "dead_letter = %s\n",
	    path_of("dead.ndjson"));
	serve(rule_400_marked);
	start(keys);
	feed(20, 13, 0);		/* one batch */
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_taken_once(13);
	assert_int_equal(seen.taken[13], 0);
	assert_int_equal(seen.alone[13], 1);
	assert_dead_letter_is(13, 13);
	assert_int_equal(st.delivered, 19);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.retries, 0);
	assert_int_equal(tail_delivered(fx.t), fx.off[20]);
}

/*
 * Two batches; the second holds the refused record, which the
 * dead-letter file (in a directory that does not exist) cannot take.
 * It must not be acknowledged, nor counted as rejected: it is sent
 * again, for as long as the test lets it.
 */
static void
test_a_record_dead_letter_cannot_take_is_not_acknowledged(void **state)
{
	struct output_stats	 st;
	char			 keys[PATH_MAX + 32];

	snprintf(keys, sizeof(keys), GZIP "batch_max_records = 10\n"
	    "dead_letter = %s\n", path_of("none/dead.ndjson"));
	serve(rule_400_marked);
	start(keys);
	feed(20, 13, 0);
	assert_false(run(1000, 0));
	collect();
	output_stats(fx.o, &st);
	assert_true(seen.alone[13] >= 2);
	assert_int_equal(seen.taken[13], 0);
	assert_taken_once(13);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.delivered, 19);
	assert_true(st.retries >= 1);
	assert_true(tail_delivered(fx.t) >= fx.off[10]);
	assert_true(tail_delivered(fx.t) <= fx.off[13]);
}

/* One batch of four: 201, 409 (create: it is there), 429 (sent again
 * alone, then 201), 400 (a dead letter, without its action line). */
static void
bulk_mixed(const char *compression)
{
	struct output_stats	 st;
	char			 keys[PATH_MAX + 64];

	snprintf(keys, sizeof(keys), "%sformat = elasticsearch\n"
	    "dead_letter = %s\n", compression, path_of("dead.ndjson"));
	serve(rule_bulk_mixed);
	start(keys);
	feed(4, -1, 0);
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_int_equal(seen.requests, 2);
	assert_int_equal(seen.nrec[1], 1);
	assert_int_equal(seen.alone[2], 1);
	assert_taken_once(3);
	assert_int_equal(seen.taken[3], 0);
	assert_dead_letter_is(3, -1);
	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.rejected, 1);
	assert_int_equal(st.retries, 1);
	assert_int_equal(code(&st, 200), 2);
	assert_int_equal(tail_delivered(fx.t), fx.off[4]);
}

static void
test_bulk_items_are_delivered_sent_again_or_set_aside(void **state)
{
	bulk_mixed(GZIP);
}

/* The same for the items of a _bulk batch to send again. */
static void
test_bulk_items_of_an_uncompressed_batch_go_again_alone(void **state)
{
	bulk_mixed(NONE);
}

static void
test_a_bulk_reply_that_is_not_json_sends_the_batch_again(void **state)
{
	struct output_stats	 st;

	serve(rule_bulk_not_json);
	start(NONE "format = elasticsearch\n");
	feed(5, -1, 0);
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_int_equal(seen.requests, 2);
	assert_int_equal(seen.nrec[1], 5);
	assert_taken_once(-1);
	assert_int_equal(st.delivered, 5);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.retries, 1);
	assert_int_equal(tail_delivered(fx.t), fx.off[5]);
}

static void
test_a_bulk_reply_with_too_few_items_sends_the_batch_again(void **state)
{
	struct output_stats	 st;

	serve(rule_bulk_too_few);
	start(NONE "format = elasticsearch\n");
	feed(5, -1, 0);
	assert_true(run(10000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_int_equal(seen.requests, 2);
	assert_int_equal(seen.nrec[1], 5);
	assert_taken_once(-1);
	assert_int_equal(st.delivered, 5);
	assert_int_equal(st.rejected, 0);
	assert_int_equal(st.retries, 1);
	assert_int_equal(tail_delivered(fx.t), fx.off[5]);
}

/*
 * 6,000 batches of one record each (640 bytes, batch_max_bytes = 1k),
 * all queued at once, more than the ring of 4,096 that once held them;
 * the backend refuses the first five requests, then takes the rest.
 */
static void
test_thousands_of_batches_queued_in_an_outage_all_arrive(void **state)
{
	struct output_stats	 st;

	serve(rule_503_five);
	start(NONE "batch_max_bytes = 1k\n");
	feed(6000, -1, 600);
	output_stats(fx.o, &st);
	assert_true(st.held >= 5000 * 1024);
	assert_true(run(60000, 1));
	collect();
	output_stats(fx.o, &st);
	assert_int_equal(seen.requests, 6005);
	assert_taken_once(-1);
	assert_int_equal(st.delivered, 6000);
	assert_int_equal(st.retries, 5);
	assert_int_equal(code(&st, 503), 5);
	assert_int_equal(code(&st, 200), 6000);
	assert_int_equal(tail_delivered(fx.t), fx.off[6000]);
}

/* --- fixture ---------------------------------------------------------- */

static int
setup(void **state)
{
	memset(&fx, 0, sizeof(fx));
	memset(&seen, 0, sizeof(seen));
	fx.server = -1;
	unlink(path_of("dead.ndjson"));
	return 0;
}

/* The output before the file (its batches hold the file), the loop
 * last; the server is killed even if the test failed before. */
static int
teardown(void **state)
{
	output_free(fx.o);
	record_tpl_free(fx.tpl);
	parser_free(fx.parser);
	fx.parser = NULL;
	tail_close(fx.t);
	if (fx.tick != NULL)
		loop_timer_free(fx.tick);
	if (fx.deadline != NULL)
		loop_timer_free(fx.deadline);
	loop_free(fx.lp);
	config_free(fx.cfg);
	if (fx.server > 0) {
		kill(fx.server, SIGKILL);
		waitpid(fx.server, NULL, 0);
	}
	return 0;
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_2xx_delivers_every_record_up_to_the_end_of_the_file),
		T(test_a_503_is_sent_again_after_a_backoff_and_nothing_is_lost),
		T(test_a_429_waits_as_long_as_retry_after_says),
		T(test_a_connection_closed_without_a_reply_is_sent_again),
		T(test_a_413_splits_the_batch_until_it_fits),
		T(test_a_413_splits_an_uncompressed_batch_too),
		T(test_a_400_bisects_to_the_refused_record_and_dead_letters_it),
		T(test_a_record_dead_letter_cannot_take_is_not_acknowledged),
		T(test_bulk_items_are_delivered_sent_again_or_set_aside),
		T(test_bulk_items_of_an_uncompressed_batch_go_again_alone),
		T(test_a_bulk_reply_that_is_not_json_sends_the_batch_again),
		T(test_a_bulk_reply_with_too_few_items_sends_the_batch_again),
		T(test_thousands_of_batches_queued_in_an_outage_all_arrive),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, tmp_cleanup);
}
