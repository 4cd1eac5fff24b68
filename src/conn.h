/*
 * conn.h: one connection to the backend, carrying one request at a time:
 * resolve, connect, TLS handshake, send, read the response, all without
 * blocking and under one deadline per request; kept alive between
 * requests when the server allows.
 */
#ifndef SIDELOG_CONN_H
#define SIDELOG_CONN_H

#include <stddef.h>

#include "config.h"
#include "http.h"
#include "loop.h"
#include "tls.h"

/* A reply body kept longer than this is let go before the next request,
 * so that a long one does not stay resident. */
#define CONN_KEEP_BODY	(64 * 1024)

struct conn;

enum conn_result {
	CONN_RESPONSE,		/* a complete response: see resp */
	CONN_FAILED,		/* transport failure; error says which */
	CONN_STALE,		/* a kept-alive connection the server had
				   closed: not the backend's fault */
};

typedef void	conn_done_fn(void *arg, struct conn *, enum conn_result,
		    const struct http_resp *, const char *error);

/* The steps of a request, each told to a trace as it ends (`sidelog
 * probe` shows them); the reply is the done callback's. */
enum conn_step {
	CONN_RESOLVE,		/* what: "host -> address, ..." */
	CONN_CONNECT,		/* what: the address tried, "10.0.0.7:443" */
	CONN_PROXY_TLS,		/* what: the proxy; tls: its session */
	CONN_TUNNEL,		/* what: "host:port -> the proxy's reply" */
	CONN_TLS,		/* what: host:port; tls: the session */
	CONN_REQUEST,		/* failures only; tls: the session, if any */
};

struct conn_event {
	enum conn_step	 step;
	int		 failed;
	int		 err;		/* a failure's errno; ETIMEDOUT: the
					   request's deadline passed */
	const char	*what;
	const char	*error;		/* a failure: the message done gets */
	struct tls	*tls;		/* until the call returns */
};

typedef void	conn_trace_fn(void *arg, const struct conn_event *);

struct conn	*conn_new(struct loop *, const struct config_output *,
		    size_t body_cap, conn_done_fn *, void *arg);
void		 conn_free(struct conn *);
int		 conn_request(struct conn *, struct tls_conf *,
		    const char *head, size_t headlen, const char *body,
		    size_t bodylen);
int		 conn_is_busy(const struct conn *);
void		 conn_proxy_auth(struct conn *, const char *);
void		 conn_proxy_tls(struct conn *, struct tls_conf *);
int		 conn_proxy_status(const struct conn *);
void		 conn_trace(struct conn *, conn_trace_fn *, void *);

#endif
