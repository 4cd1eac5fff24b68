/*
 * conn.c: a non-blocking HTTP/1.1 client connection, plain or TLS.
 *
 * States, one way except for keep-alive:
 *   CLOSED -> RESOLVING -> CONNECTING -> (PROXY_TLS) -> (TUNNEL_SEND
 *   -> TUNNEL_RECV) -> (HANDSHAKE) -> SENDING -> RECEIVING -> IDLE
 *   IDLE -> SENDING (next request on the same connection), or CLOSED.
 * One timer bounds the whole request (connect, handshake, send, reply),
 * as [output] timeout says.  A kept-alive connection that the server
 * closed while idle fails on its next request before any byte of a
 * response arrived: that is reported as CONN_STALE, so that the caller
 * retries at once instead of counting it against the backend.  The
 * host name is resolved again for each new connection (resolve.c, off
 * the loop), so a Service that moves is followed.
 *
 * Through a proxy (SPEC "Proxies") the proxy's name is resolved and
 * connected to instead; an https backend is then reached through
 * CONNECT, and its TLS runs end to end inside the tunnel, verified as
 * without a proxy; an http backend's requests go to the proxy as they
 * are, in absolute form (output.c writes the target).  An https://
 * proxy is spoken to over TLS first (PROXY_TLS), verified against its
 * own name; the tunnel and the backend's TLS then run inside that
 * session.  A proxy that refuses the tunnel is reported with its status
 * (conn_proxy_status).
 *
 * A trace (conn_trace, for `sidelog probe`) is told each step's end, a
 * failure before the session it concerns is freed; the steps are the
 * ones run, so the probe's are the shipper's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "log.h"
#include "resolve.h"

#define CONN_READ	(16 * 1024)
#define CONN_TUNNEL_MAX	2048	/* a CONNECT request, or a proxy's reply
				   head (longer ones are refused) */

enum cstate {
	C_CLOSED,
	C_RESOLVING,
	C_CONNECTING,
	C_PROXY_TLS,
	C_TUNNEL_SEND,
	C_TUNNEL_RECV,
	C_HANDSHAKE,
	C_SENDING,
	C_RECEIVING,
	C_IDLE,
};

static const char *const cstate_names[] = {
	"idle", "resolving the host name", "connecting",
	"in the TLS handshake with the proxy", "asking the proxy for a tunnel", "waiting for the proxy's tunnel",
	"in the TLS handshake", "sending",
	"waiting for the response", "idle"
};

struct conn {
	struct loop			*lp;
	const struct config_output	*oc;
	conn_done_fn			*done;
	void				*arg;
	enum cstate			 state;
	int				 fd;
	struct loop_io			*io;
	uint32_t			 events;
	struct tls			*tls;
	struct tls_conf			*tconf;
	struct tls			*ptls;	/* to an https:// proxy */
	struct tls_conf			*pconf;	/* the caller's */
	struct loop_timer		*timer;
	struct resolve			*rs;
	struct resolve_addr		 addrs[RESOLVE_MAX_ADDRS];
	int				 naddrs, next;	/* next to try */
	const char			*head, *body;
	size_t				 headlen, bodylen, sent;
	struct http_resp		 resp;
	char				*rbody;		/* as needed */
	size_t				 body_cap;	/* of a reply kept */
	int				 reused;	/* on a kept-alive connection */
	int				 got_reply;	/* a response byte arrived */
	char				 peer[300];
	char				 target[300];	/* host:port, for CONNECT */
	const char			*proxy_authz;	/* the caller's */
	char				 tunnel[CONN_TUNNEL_MAX];
	size_t				 tlen, tdone;
	int				 proxy_status;	/* refused the tunnel */
	conn_trace_fn			*trace;		/* NULL: none */
	void				*trace_arg;
	int				 err;		/* a failure's errno */
	char				 addr[INET6_ADDRSTRLEN + 8];
							/* being tried */
};

static void	on_io(void *, uint32_t);
static void	step(struct conn *);
static void	timeout(void *);
static void	receive_some(struct conn *);

struct conn *
conn_new(struct loop *lp, const struct config_output *oc, size_t body_cap,
    conn_done_fn *done, void *arg)
{
	struct conn	*c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->lp = lp;
	c->oc = oc;
	c->body_cap = body_cap;
	c->done = done;
	c->arg = arg;
	c->fd = -1;
	c->timer = loop_timer_new(lp, timeout, c);
	if (c->timer == NULL) {
		free(c);
		return NULL;
	}
	snprintf(c->target, sizeof(c->target), strchr(oc->u.host, ':') ?
	    "[%s]:%d" : "%s:%d", oc->u.host, oc->u.port);
	if (oc->proxy_on)
		snprintf(c->peer, sizeof(c->peer), strchr(oc->pu.host, ':') ?
		    "proxy [%s]:%d" : "proxy %s:%d", oc->pu.host, oc->pu.port);
	else
		snprintf(c->peer, sizeof(c->peer), "%s", c->target);
	return c;
}

static void
close_conn(struct conn *c)
{
	loop_io_del(c->io);
	c->io = NULL;
	c->events = 0;
	tls_free(c->tls);
	c->tls = NULL;
	tls_free(c->ptls);	/* after the session inside it */
	c->ptls = NULL;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	resolve_cancel(c->rs);
	c->rs = NULL;
	c->naddrs = c->next = 0;
	c->state = C_CLOSED;
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	close_conn(c);
	loop_timer_free(c->timer);
	tls_conf_free(c->tconf);
	free(c->rbody);
	free(c);
}

int
conn_is_busy(const struct conn *c)
{
	return c->state != C_CLOSED && c->state != C_IDLE;
}

static void
want(struct conn *c, uint32_t events)
{
	if (c->io == NULL) {
		c->io = loop_io_add(c->lp, c->fd, events, on_io, c);
		c->events = events;
	} else if (c->events != events && loop_io_set(c->io, events) == 0)
		c->events = events;
}

/* The request ends: the loop timer is stopped before the callback, which
 * may start the next request on this connection. */
static void
finish(struct conn *c, enum conn_result r, const char *error)
{
	loop_timer_stop(c->timer);
	c->done(c->arg, c, r, r == CONN_RESPONSE ? &c->resp : NULL, error);
}

/* Tells the trace a step ended; tls is the session it concerns. */
static void
tell(struct conn *c, enum conn_step step, const char *what,
    const char *error, struct tls *tls)
{
	struct conn_event	 ev = { step, error != NULL, c->err, what,
				    error, tls };

	if (c->trace != NULL)
		c->trace(c->trace_arg, &ev);
}

/* A failure in state was, told as its step's. */
static void
tell_failure(struct conn *c, enum cstate was, const char *msg)
{
	switch (was) {
	case C_RESOLVING:
		tell(c, CONN_RESOLVE, c->oc->proxy_on ? c->oc->pu.host :
		    c->oc->u.host, msg, NULL);
		break;
	case C_CONNECTING:
		tell(c, CONN_CONNECT, c->addr, msg, NULL);
		break;
	case C_PROXY_TLS:
		tell(c, CONN_PROXY_TLS, c->peer, msg, c->ptls);
		break;
	case C_TUNNEL_SEND:
	case C_TUNNEL_RECV:
		tell(c, CONN_TUNNEL, c->target, msg, c->ptls);
		break;
	case C_HANDSHAKE:
		tell(c, CONN_TLS, c->target, msg, c->tls);
		break;
	default:
		tell(c, CONN_REQUEST, c->peer, msg, c->tls);
		break;
	}
}

static void	fail(struct conn *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
fail(struct conn *c, const char *fmt, ...)
{
	char		 msg[256];
	enum cstate	 was = c->state;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tell_failure(c, was, msg);
	close_conn(c);
	if (c->reused && !c->got_reply && (was == C_SENDING ||
	    was == C_RECEIVING))
		finish(c, CONN_STALE, msg);
	else
		finish(c, CONN_FAILED, msg);
}

static void
timeout(void *arg)
{
	struct conn	*c = arg;
	char		 what[64];

	snprintf(what, sizeof(what), "%s", cstate_names[c->state]);
	c->err = ETIMEDOUT;
	c->reused = 0;	/* a slow server is not a stale connection */
	fail(c, "timeout while %s", what);
}

/* --- connect ---------------------------------------------------------- */

/* "10.0.0.7:443" or "[::1]:443". */
static void
addr_text(const struct resolve_addr *a, char *out, size_t len)
{
	const struct sockaddr_in	*in4 = (const void *)&a->sa;
	const struct sockaddr_in6	*in6 = (const void *)&a->sa;
	char				 ip[INET6_ADDRSTRLEN] = "?";

	if (a->family == AF_INET6) {
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(out, len, "[%s]:%d", ip, ntohs(in6->sin6_port));
	} else {
		inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof(ip));
		snprintf(out, len, "%s:%d", ip, ntohs(in4->sin_port));
	}
}

/* "host -> 10.0.0.7, 10.0.0.8" (ports left out), for the trace. */
static void
tell_resolved(struct conn *c, const char *host)
{
	char	 what[512], a[INET6_ADDRSTRLEN + 8], *colon;
	size_t	 n;
	int	 i;

	if (c->trace == NULL)
		return;
	n = (size_t)snprintf(what, sizeof(what), "%s ->", host);
	for (i = 0; i < c->naddrs && n < sizeof(what); i++) {
		addr_text(&c->addrs[i], a, sizeof(a));
		colon = strrchr(a, ':');
		*colon = '\0';
		n += (size_t)snprintf(what + n, sizeof(what) - n, "%s %s",
		    i ? "," : "", a);
	}
	tell(c, CONN_RESOLVE, what, NULL, NULL);
}

static int
try_connect(struct conn *c)
{
	const struct resolve_addr	*a;
	int				 one = 1, fd;

	while (c->next < c->naddrs) {
		a = &c->addrs[c->next++];
		addr_text(a, c->addr, sizeof(c->addr));
		fd = socket(a->family, a->socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, a->protocol);
		if (fd == -1)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (const struct sockaddr *)&a->sa, a->len) == 0 ||
		    errno == EINPROGRESS) {
			c->fd = fd;
			c->state = C_CONNECTING;
			want(c, EPOLLOUT);
			return 0;
		}
		c->err = errno;
		log_debug("connect %s: %s", c->peer, strerror(errno));
		close(fd);
	}
	errno = c->err;
	return -1;
}

static void
resolved(void *arg, const struct resolve_addr *addrs, int n,
    const char *error)
{
	struct conn	*c = arg;

	c->rs = NULL;		/* ended by this call */
	if (error != NULL) {
		fail(c, "cannot resolve %s: %s", c->oc->proxy_on ? "the proxy" :
		    "host", error);
		return;
	}
	memcpy(c->addrs, addrs, (size_t)n * sizeof(addrs[0]));
	c->naddrs = n;
	c->next = 0;
	tell_resolved(c, c->oc->proxy_on ? c->oc->pu.host : c->oc->u.host);
	c->state = C_CONNECTING;	/* a failure now is the connect's */
	if (try_connect(c) == -1)
		fail(c, "cannot connect to %s: %s", c->peer, strerror(errno));
}

static void
start_connect(struct conn *c)
{
	const struct value_url	*u = c->oc->proxy_on ? &c->oc->pu : &c->oc->u;

	c->state = C_RESOLVING;
	c->rs = resolve_start(c->lp, u->host, u->port, resolved, c);
	if (c->rs == NULL)
		fail(c, "cannot resolve host: %s", strerror(errno));
}

static void	open_path(struct conn *);
static void	backend(struct conn *);

static void
connected(struct conn *c)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		c->err = err;
		log_debug("connect %s: %s", c->peer, strerror(err));
		loop_io_del(c->io);
		c->io = NULL;
		close(c->fd);
		c->fd = -1;
		if (try_connect(c) == -1)
			fail(c, "cannot connect to %s: %s", c->peer,
			    strerror(err));
		return;
	}
	c->naddrs = c->next = 0;
	tell(c, CONN_CONNECT, c->addr, NULL, NULL);
	open_path(c);
}

/*
 * The TCP connection stands: from here to the backend.  A proxy's
 * tunnel (SPEC "Proxies": CONNECT, and TLS to an https:// proxy) is a
 * step of its own here, before the backend's TLS, which then runs end
 * to end inside it.
 */
static void
open_path(struct conn *c)
{
	if (c->oc->proxy_on && c->oc->pu.tls && c->ptls == NULL) {
		c->ptls = c->pconf != NULL ? tls_new(c->pconf, c->fd) : NULL;
		if (c->ptls == NULL) {
			fail(c, "%s: TLS session setup failed", c->peer);
			return;
		}
		c->state = C_PROXY_TLS;
		return;
	}
	if (c->oc->proxy_on && c->oc->u.tls) {
		c->tlen = http_connect_head(c->target, c->proxy_authz,
		    c->tunnel, sizeof(c->tunnel));
		c->tdone = 0;
		if (c->tlen == 0) {
			fail(c, "%s", "CONNECT request too long");
			return;
		}
		c->state = C_TUNNEL_SEND;
		want(c, EPOLLOUT);
		return;
	}
	backend(c);
}

/* From here on the backend's: TLS, or plain HTTP; through an https://
 * proxy, inside the proxy's session. */
static void
backend(struct conn *c)
{
	if (!c->oc->u.tls) {
		if (c->ptls != NULL) {	/* requests go over it as they are */
			c->tls = c->ptls;
			c->ptls = NULL;
		}
		c->state = C_SENDING;
		return;
	}
	c->tls = c->ptls != NULL ? tls_new_over(c->tconf, c->ptls) :
	    tls_new(c->tconf, c->fd);
	if (c->tls == NULL) {
		fail(c, "%s", "TLS session setup failed");
		return;
	}
	c->state = C_HANDSHAKE;
}

/* --- the request --------------------------------------------------------- */

/* Bytes written, 0 when the socket is full, -1 on error (c closed). */
static ssize_t
out(struct conn *c, const char *buf, size_t len)
{
	ssize_t	 n;

	if (c->tls != NULL) {
		n = tls_write(c->tls, buf, len);
		if (n == TLS_WANT_WRITE || n == TLS_WANT_READ) {
			want(c, n == TLS_WANT_READ ? EPOLLIN : EPOLLOUT);
			return 0;
		}
		if (n < 0) {
			/* A server that refused us and closed (TLS 1.3: no
			 * client certificate) sent its alert first: read it. */
			c->state = C_RECEIVING;
			receive_some(c);
			return -1;
		}
		return n;
	}
	n = send(c->fd, buf, len, MSG_NOSIGNAL);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		/* EPOLLIN too: a server may answer (413) before the body ends. */
		want(c, EPOLLOUT | EPOLLIN);
		return 0;
	}
	if (n == -1) {
		/* A server that answered early and closed: read its answer. */
		c->state = C_RECEIVING;
		receive_some(c);
		return -1;
	}
	return n;
}

/* Sends what the socket takes; 1 when everything is sent. */
static int
send_some(struct conn *c)
{
	const char	*p;
	size_t		 left;
	ssize_t		 n;

	while (c->sent < c->headlen + c->bodylen) {
		if (c->sent < c->headlen) {
			p = c->head + c->sent;
			left = c->headlen - c->sent;
		} else {
			p = c->body + (c->sent - c->headlen);
			left = c->headlen + c->bodylen - c->sent;
		}
		n = out(c, p, left);
		if (n <= 0)
			return 0;
		c->sent += (size_t)n;
	}
	return 1;
}

static ssize_t
in(struct conn *c, char *buf, size_t len)
{
	ssize_t	 n;

	if (c->tls != NULL) {
		n = tls_read(c->tls, buf, len);
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
			want(c, n == TLS_WANT_READ ? EPOLLIN : EPOLLOUT);
			return -2;
		}
		return n;
	}
	n = recv(c->fd, buf, len, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		want(c, EPOLLIN);
		return -2;
	}
	return n;
}

static void
response_done(struct conn *c, size_t extra)
{
	if (c->resp.keep_alive && extra == 0) {
		c->state = C_IDLE;
		want(c, EPOLLIN);
	} else
		close_conn(c);
	finish(c, CONN_RESPONSE, NULL);
}

static void
receive_some(struct conn *c)
{
	char		 buf[CONN_READ];
	size_t		 used;
	ssize_t		 n;
	enum http_rc	 rc;

	for (;;) {
		n = in(c, buf, sizeof(buf));
		if (n == -2)
			return;
		if (n < 0) {
			fail(c, "receive: %s", c->tls ? "TLS error" :
			    strerror(errno));
			return;
		}
		if (n == 0) {
			rc = http_resp_eof(&c->resp);
			if (rc == HTTP_DONE)
				response_done(c, 0);
			else
				fail(c, c->got_reply ? "bad response: %s" :
				    "connection closed before a response%s",
				    c->got_reply ? c->resp.error : "");
			return;
		}
		c->got_reply = 1;
		rc = http_resp_feed(&c->resp, buf, (size_t)n, &used);
		if (rc == HTTP_DONE) {
			response_done(c, (size_t)n - used);
			return;
		}
		if (rc == HTTP_BAD) {
			fail(c, "bad response: %s", c->resp.error);
			return;
		}
	}
}

/* --- the proxy's tunnel ------------------------------------------------ */

static void
proxy_handshake(struct conn *c)
{
	int	 rc = tls_handshake(c->ptls);

	if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE)
		want(c, rc == TLS_WANT_READ ? EPOLLIN : EPOLLOUT);
	else if (rc != 0)
		fail(c, "%s: TLS handshake failed (see above)", c->peer);
	else {
		log_debug("%s: %s", c->peer, tls_version(c->ptls));
		tell(c, CONN_PROXY_TLS, c->peer, NULL, c->ptls);
		open_path(c);
	}
}

/* To the proxy, or from it: over its TLS session when it has one.
 * Bytes, 0 at its end (recv), -2 when the socket wants waiting for
 * (waited for), -1 on error. */
static ssize_t
proxy_io(struct conn *c, char *buf, size_t len, int out)
{
	ssize_t	 n;

	if (c->ptls != NULL) {
		n = out ? tls_write(c->ptls, buf, len) :
		    tls_read(c->ptls, buf, len);
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
			want(c, n == TLS_WANT_READ ? EPOLLIN : EPOLLOUT);
			return -2;
		}
		return n < 0 ? -1 : n;
	}
	n = out ? send(c->fd, buf, len, MSG_NOSIGNAL) : recv(c->fd, buf,
	    len, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		want(c, out ? EPOLLOUT : EPOLLIN);
		return -2;
	}
	return n;
}

static void
tunnel_send(struct conn *c)
{
	ssize_t	 n;

	while (c->tdone < c->tlen) {
		n = proxy_io(c, c->tunnel + c->tdone, c->tlen - c->tdone, 1);
		if (n == -2)
			return;
		if (n < 0) {
			fail(c, "%s: send: %s", c->peer, c->ptls ? "TLS error" :
			    strerror(errno));
			return;
		}
		c->tdone += (size_t)n;
	}
	explicit_bzero(c->tunnel, c->tlen);	/* it may hold a password */
	c->tlen = 0;
	c->state = C_TUNNEL_RECV;
	want(c, EPOLLIN);
}

/* The proxy's reply to CONNECT: a 2xx opens the tunnel, whose first
 * bytes are then the backend's; anything else is the proxy's refusal. */
static void
tunnel_recv(struct conn *c)
{
	char	 line[128];
	ssize_t	 n;
	int	 head, status = 0;

	for (;;) {
		n = proxy_io(c, c->tunnel + c->tlen, sizeof(c->tunnel) - 1 -
		    c->tlen, 0);
		if (n == -2)
			return;
		if (n <= 0) {
			fail(c, "%s closed the connection before its reply to "
			    "CONNECT%s%s", c->peer, n == 0 ? "" : ": ",
			    n == 0 ? "" : c->ptls ? "TLS error" :
			    strerror(errno));
			return;
		}
		c->tlen += (size_t)n;
		head = http_connect_reply(c->tunnel, c->tlen, &status, line,
		    sizeof(line));
		if (head > 0)
			break;
		if (head == -1 || c->tlen == sizeof(c->tunnel) - 1) {
			fail(c, "%s: not an HTTP reply to CONNECT", c->peer);
			return;
		}
	}
	if (status < 200 || status > 299) {
		c->proxy_status = status;
		fail(c, "%s refused the tunnel to %s: %s", c->peer, c->target,
		    line);
		return;
	}
	if ((size_t)head != c->tlen) {
		fail(c, "%s sent bytes after its reply to CONNECT", c->peer);
		return;
	}
	c->tlen = 0;
	log_debug("%s: tunnel to %s open", c->peer, c->target);
	if (c->trace != NULL) {
		snprintf(c->tunnel, sizeof(c->tunnel), "CONNECT %s -> %s",
		    c->target, line);
		tell(c, CONN_TUNNEL, c->tunnel, NULL, c->ptls);
	}
	backend(c);
}

static void
handshake(struct conn *c)
{
	int	 rc = tls_handshake(c->tls);

	if (rc == TLS_WANT_READ || rc == TLS_WANT_WRITE)
		want(c, rc == TLS_WANT_READ ? EPOLLIN : EPOLLOUT);
	else if (rc != 0)
		fail(c, "%s", "TLS handshake failed (see above)");
	else {
		log_debug("%s: %s", c->peer, tls_version(c->tls));
		tell(c, CONN_TLS, c->target, NULL, c->tls);
		c->state = C_SENDING;
	}
}

/* Runs the state machine as far as the socket allows. */
static void
step(struct conn *c)
{
	enum cstate	 before;

	do {
		before = c->state;
		switch (c->state) {
		case C_PROXY_TLS:
			proxy_handshake(c);
			break;
		case C_TUNNEL_SEND:
			tunnel_send(c);
			break;
		case C_TUNNEL_RECV:
			tunnel_recv(c);
			break;
		case C_HANDSHAKE:
			handshake(c);
			break;
		case C_SENDING:
			if (send_some(c)) {
				c->state = C_RECEIVING;
				want(c, EPOLLIN);
			}
			break;
		case C_RECEIVING:
			receive_some(c);
			break;
		default:
			break;
		}
	} while (c->state != before && c->state != C_CLOSED &&
	    c->state != C_IDLE);
}

/* Readable while idle: the server closed, or (TLS 1.3) sent a session
 * ticket, which mbedtls reads and drops.  Anything else ends it. */
static void
idle_readable(struct conn *c)
{
	char	 b;
	ssize_t	 n;

	if (c->tls != NULL) {
		n = tls_read(c->tls, &b, 1);
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE)
			return;
	} else
		n = recv(c->fd, &b, 1, MSG_PEEK);
	if (n != -1 || errno != EAGAIN)
		close_conn(c);
}

static void
on_io(void *arg, uint32_t events)
{
	struct conn	*c = arg;

	switch (c->state) {
	case C_CONNECTING:
		connected(c);
		break;
	case C_IDLE:
		idle_readable(c);
		return;
	case C_SENDING:
		if ((events & EPOLLIN) && c->tls == NULL)
			c->state = C_RECEIVING;	/* an early answer */
		break;
	case C_CLOSED:
		return;
	default:
		break;
	}
	if (c->state != C_CLOSED)
		step(c);
}

/*
 * Starts a request on this connection: head and body stay the caller's
 * until the done callback.  Returns -1 only if it cannot even start.
 */
/* The Proxy-Authorization value for the next tunnel (NULL: none); the
 * caller's, until then. */
void
conn_proxy_auth(struct conn *c, const char *value)
{
	c->proxy_authz = value;
}

/* The TLS configuration of an https:// proxy, for the next connection
 * (the caller's; it outlives the connections). */
void
conn_proxy_tls(struct conn *c, struct tls_conf *pc)
{
	c->pconf = pc;
}

/* The status with which the proxy refused the last request's tunnel,
 * or 0. */
int
conn_proxy_status(const struct conn *c)
{
	return c->proxy_status;
}

/* Each step's end told to fn (NULL: none), from the next request on. */
void
conn_trace(struct conn *c, conn_trace_fn *fn, void *arg)
{
	c->trace = fn;
	c->trace_arg = arg;
}

int
conn_request(struct conn *c, struct tls_conf *tc, const char *head,
    size_t headlen, const char *body, size_t bodylen)
{
	if (c->rbody != NULL && c->resp.bodylen > CONN_KEEP_BODY) {
		free(c->rbody);
		c->rbody = NULL;
	}
	if (c->rbody == NULL) {
		c->rbody = malloc(c->body_cap);
		if (c->rbody == NULL)
			return -1;
	}
	if (tc != c->tconf && c->state == C_IDLE)
		close_conn(c);	/* new certificates: a new handshake */
	if (tc != c->tconf) {
		if (tc != NULL)
			tls_conf_ref(tc);
		tls_conf_free(c->tconf);
		c->tconf = tc;
	}
	c->proxy_status = 0;
	c->err = 0;
	c->head = head;
	c->headlen = headlen;
	c->body = body;
	c->bodylen = bodylen;
	c->sent = 0;
	c->got_reply = 0;
	http_resp_init(&c->resp, c->rbody, c->body_cap);
	loop_timer_set(c->timer, c->oc->timeout_ms);
	c->reused = c->state == C_IDLE;
	if (c->reused) {
		c->state = C_SENDING;
		step(c);
	} else
		start_connect(c);
	return 0;
}
