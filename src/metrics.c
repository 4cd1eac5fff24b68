/*
 * metrics.c: a tiny HTTP/1.1 server for /healthz and /metrics.
 *
 * It answers one request per connection and closes it (Connection:
 * close), so its only state is a fixed table of clients reading their
 * request head or writing their answer.  Everything is bounded: clients
 * (METRICS_MAX_CLIENTS), connections taken per wake-up, the request
 * head, the body, and the time a client may take.  The listener is never
 * left readable and unserved, which would spin the level-triggered loop:
 * a connection that finds the table full takes the slot of the client
 * least likely to be a real scrape.  /healthz answering 200 means the
 * event loop turns, since the answer is made on it.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "value.h"

#define METRICS_MAX_CLIENTS	16
#define METRICS_ACCEPT_BATCH	8	/* connections per wake-up */
#define METRICS_BACKLOG		1024	/* see bind_listen() */
#define METRICS_MAX_REQUEST	4096	/* a GET head; more is not a scrape */
#define METRICS_HEAD_TIMEOUT_MS	2000	/* connect to the end of the head */
#define METRICS_TIMEOUT_MS	5000	/* connect to the last byte sent */
#define METRICS_REAP_MS		500	/* reaper period while clients exist */
#define METRICS_PAUSE_MS	1000	/* listener off after EMFILE and co. */
#define METRICS_HEAD_MAX	256

struct metrics_buf {
	char		*p;
	size_t		 len, cap;
	int		 overflow;
};

struct client {
	struct metrics	*m;
	int		 fd;		/* -1: slot free */
	struct loop_io	*io;
	uint64_t	 started;	/* loop_now() at accept: deadlines */
	uint64_t	 seq;		/* accept order: who goes first */
	char		 req[METRICS_MAX_REQUEST];
	size_t		 reqlen;
	char		*resp;
	size_t		 resplen, sent;
};

struct metrics {
	struct loop		*lp;
	int			 lfd;
	struct loop_io		*lio;
	struct loop_timer	*reaper;
	struct loop_timer	*resume;	/* listener back on */
	uint64_t		 accepted;	/* connections ever: next seq */
	uint64_t		 evicted;	/* closed for room, lately */
	uint64_t		 evicted_seen;	/* as of the last reap() */
	int			 starved;	/* accept failing */
	metrics_collect_fn	*collect;
	void			*arg;
	struct client		 clients[METRICS_MAX_CLIENTS];
};

static void	client_write(struct client *);

void
metrics_printf(struct metrics_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len)
		b->overflow = 1;
	else
		b->len += (size_t)n;
}

static void
client_close(struct client *c)
{
	loop_io_del(c->io);
	c->io = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	free(c->resp);
	c->resp = NULL;
}

/*
 * The whole answer, head and body, in one buffer, sent at once: most
 * answers fit the socket buffer, and a client done is a slot free.
 */
static void
answer(struct client *c, int status, const char *type, const char *body,
    size_t len, int with_body)
{
	const char	*reason = status == 200 ? "OK" : status == 400 ?
	    "Bad Request" : status == 404 ? "Not Found" : status == 405 ?
	    "Method Not Allowed" : "Internal Server Error";

	c->resp = malloc(METRICS_HEAD_MAX + len);
	if (c->resp == NULL) {
		client_close(c);
		return;
	}
	c->resplen = (size_t)snprintf(c->resp, METRICS_HEAD_MAX,
	    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Connection: close\r\n\r\n", status, reason, type, len);
	if (with_body) {
		memcpy(c->resp + c->resplen, body, len);
		c->resplen += len;
	}
	c->sent = 0;
	loop_io_set(c->io, EPOLLOUT);
	client_write(c);	/* may close c */
}

static void
serve_metrics(struct client *c, int with_body)
{
	struct metrics_buf	 b;

	b.p = malloc(METRICS_MAX_BODY);
	b.cap = METRICS_MAX_BODY;
	b.len = 0;
	b.overflow = 0;
	if (b.p == NULL) {
		client_close(c);
		return;
	}
	c->m->collect(c->m->arg, &b);
	if (b.overflow)
		answer(c, 500, "text/plain", "metrics too large\n", 18,
		    with_body);
	else
		answer(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.p,
		    b.len, with_body);
	free(b.p);
}

/* The request line decides; headers are read and ignored. */
static void
route(struct client *c)
{
	char	 method[8], path[64];
	int	 head;

	if (sscanf(c->req, "%7s %63s HTTP/1.", method, path) != 2) {
		answer(c, 400, "text/plain", "bad request\n", 12, 1);
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "GET") != 0 && !head)
		answer(c, 405, "text/plain", "GET only\n", 9, 1);
	else if (strcmp(path, "/healthz") == 0)
		answer(c, 200, "text/plain", "ok\n", 3, !head);
	else if (strcmp(path, "/metrics") == 0)
		serve_metrics(c, !head);
	else
		answer(c, 404, "text/plain", "not found\n", 10, !head);
}

static void
client_read(struct client *c)
{
	ssize_t	 n;

	n = recv(c->fd, c->req + c->reqlen, sizeof(c->req) - 1 - c->reqlen, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->reqlen += (size_t)n;
	c->req[c->reqlen] = '\0';
	if (strstr(c->req, "\r\n\r\n") != NULL || strstr(c->req, "\n\n") !=
	    NULL)
		route(c);
	else if (c->reqlen == sizeof(c->req) - 1)
		answer(c, 400, "text/plain", "request too long\n", 17, 1);
}

static void
client_write(struct client *c)
{
	ssize_t	 n;

	n = send(c->fd, c->resp + c->sent, c->resplen - c->sent,
	    MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0)
		c->sent += (size_t)n;
	if (n <= 0 || c->sent == c->resplen)
		client_close(c);
}

static void
client_io(void *arg, uint32_t events)
{
	struct client	*c = arg;

	if (c->resp == NULL)
		client_read(c);
	else
		client_write(c);
}

/*
 * Which client to close when the table is full and a connection waits:
 * the one least likely to be a real scrape.  A scraper sends its whole
 * head with its first segment and reads the answer at once, so the client
 * that has waited longest for its head, silent or part-way, is the
 * likeliest idler; a client being answered asked a real question and goes
 * last.  Silent ones are not put before part-way ones: a slowloris that
 * holds all slots but one with half heads would then make each new
 * connection, /healthz included, close the one before it.  Age is counted
 * in connections (seq), not ms: a burst gets many in one ms.
 */
static struct client *
victim(struct metrics *m)
{
	struct client	*c, *v = NULL;
	int		 i;

	for (i = 0; i < METRICS_MAX_CLIENTS; i++) {
		c = &m->clients[i];
		if (v == NULL || (c->resp == NULL && v->resp != NULL) ||
		    ((c->resp == NULL) == (v->resp == NULL) && c->seq < v->seq))
			v = c;
	}
	return v;
}

/*
 * A free slot, else victim()'s, closed.  A victim still without its head
 * is read once more first: its request may have come since this round's
 * epoll_wait, and a /healthz served now frees the slot by itself.  Each
 * pass frees a slot or turns a reader into a writer, hence the bound.
 */
static struct client *
take_slot(struct metrics *m)
{
	struct client	*c = NULL;
	int		 i, pass;

	for (pass = 0; pass <= METRICS_MAX_CLIENTS; pass++) {
		for (i = 0; i < METRICS_MAX_CLIENTS; i++)
			if (m->clients[i].fd == -1)
				return &m->clients[i];
		c = victim(m);
		if (c->resp != NULL)
			break;
		client_read(c);		/* may answer or close it */
		if (c->fd != -1 && c->resp == NULL)
			break;
	}
	if (c->fd == -1)
		return c;
	if (m->evicted == 0)
		log_warn("listen: all %d clients busy; closing the oldest "
		    "to make room", METRICS_MAX_CLIENTS);
	m->evicted++;
	client_close(c);
	return c;
}

static void
client_open(struct metrics *m, int fd)
{
	struct client	*c;

	c = take_slot(m);
	c->fd = fd;
	c->reqlen = 0;
	c->started = loop_now(m->lp);
	c->seq = m->accepted++;
	c->io = loop_io_add(m->lp, fd, EPOLLIN, client_io, c);
	if (c->io == NULL) {
		client_close(c);
		return;
	}
	if (!loop_timer_is_set(m->reaper))
		loop_timer_set(m->reaper, METRICS_REAP_MS);
	/* A scraper's head often came with the connection: serve it now. */
	client_read(c);
}

/*
 * accept() cannot take the waiting connection (no descriptor, no
 * memory): stop watching the listener for a while, or the loop would
 * spin on it.  Said at the onset and at the end only.
 */
static void
pause_listener(struct metrics *m)
{
	if (!m->starved)
		log_warn("listen: accept: %s; retrying every %d ms",
		    strerror(errno), METRICS_PAUSE_MS);
	m->starved = 1;
	loop_io_set(m->lio, 0);
	loop_timer_set(m->resume, METRICS_PAUSE_MS);
}

static void
resume_listener(void *arg)
{
	struct metrics	*m = arg;

	loop_io_set(m->lio, EPOLLIN);
}

/*
 * At most METRICS_ACCEPT_BATCH connections per wake-up, so a flood does
 * not starve files and outputs; the rest keep the listener readable for
 * the next round, where they are taken: it is never readable and left.
 * The batch is half the table: with victim() taking the oldest first, a
 * client accepted in one round still has its slot through the next one
 * (at most 2 * 8 - 1 = 15 newer), when its request is read.
 */
static void
accept_some(void *arg, uint32_t events)
{
	struct metrics	*m = arg;
	int		 i, fd;

	for (i = 0; i < METRICS_ACCEPT_BATCH; i++) {
		fd = accept4(m->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (fd == -1 && (errno == EINTR || errno == ECONNABORTED ||
		    errno == EPROTO))
			continue;	/* that one is gone; the next */
		if (fd == -1) {
			pause_listener(m);
			return;
		}
		if (m->starved)
			log_info("listen: accepting again");
		m->starved = 0;
		client_open(m, fd);
	}
}

/*
 * Closes the clients past their deadline and says how many were evicted.
 * A scraper's head comes with its first segment, so a client still
 * without one after METRICS_HEAD_TIMEOUT_MS is an idler or a slowloris;
 * an answer gets longer, a big /metrics may go to a slow reader.
 */
static void
reap(void *arg)
{
	struct metrics	*m = arg;
	struct client	*c;
	uint64_t	 limit;
	int		 i, left = 0;

	for (i = 0; i < METRICS_MAX_CLIENTS; i++) {
		c = &m->clients[i];
		if (c->fd == -1)
			continue;
		limit = c->resp == NULL ? METRICS_HEAD_TIMEOUT_MS :
		    METRICS_TIMEOUT_MS;
		if (loop_now(m->lp) - c->started >= limit)
			client_close(c);
		else
			left++;
	}
	if (m->evicted > 0 && m->evicted == m->evicted_seen) {
		log_warn("listen: clients closed to make room: %llu",
		    (unsigned long long)m->evicted);
		m->evicted = 0;
	}
	m->evicted_seen = m->evicted;
	if (left > 0 || m->evicted > 0)
		loop_timer_set(m->reaper, METRICS_REAP_MS);
}

static int
bind_listen(const char *listen_at)
{
	struct addrinfo	 hints, *ai, *a;
	char		 host[256], err[VALUE_ERRLEN], port[8];
	int		 p, fd = -1, one = 1;

	if (value_hostport(listen_at, host, sizeof(host), &p, err) == -1)
		return -1;
	snprintf(port, sizeof(port), "%d", p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	/*
	 * A burst of connects larger than the backlog loses SYNs, and the
	 * client's retransmit comes 1 s later: a probe behind such a burst
	 * would miss its deadline.  Connections are taken at once (evicting
	 * if need be), so a long queue costs only the kernel's memory.
	 */
	if (getaddrinfo(*host ? host : NULL, port, &hints, &ai) != 0)
		return -1;
	for (a = ai; a != NULL; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 &&
		    listen(fd, METRICS_BACKLOG) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

struct metrics *
metrics_new(struct loop *lp, const char *listen_at,
    metrics_collect_fn *collect, void *arg)
{
	struct metrics	*m;
	int		 i;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->lp = lp;
	m->collect = collect;
	m->arg = arg;
	for (i = 0; i < METRICS_MAX_CLIENTS; i++) {
		m->clients[i].fd = -1;
		m->clients[i].m = m;
	}
	m->lfd = bind_listen(listen_at);
	if (m->lfd == -1) {
		log_error("listen %s: %s", listen_at, strerror(errno));
		free(m);
		return NULL;
	}
	m->lio = loop_io_add(lp, m->lfd, EPOLLIN, accept_some, m);
	m->reaper = loop_timer_new(lp, reap, m);
	m->resume = loop_timer_new(lp, resume_listener, m);
	if (m->lio == NULL || m->reaper == NULL || m->resume == NULL) {
		metrics_free(m);
		return NULL;
	}
	log_info("serving /healthz and /metrics on %s", listen_at);
	return m;
}

void
metrics_free(struct metrics *m)
{
	int	 i;

	if (m == NULL)
		return;
	for (i = 0; i < METRICS_MAX_CLIENTS; i++)
		client_close(&m->clients[i]);
	loop_io_del(m->lio);
	loop_timer_free(m->reaper);
	loop_timer_free(m->resume);
	close(m->lfd);
	free(m);
}
