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

#endif
