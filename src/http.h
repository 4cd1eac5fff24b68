/*
 * http.h: HTTP/1.1 on the wire.  Writing a request head, and reading a
 * response incrementally: status line, headers, then a body delimited by
 * Content-Length, chunked transfer coding or the connection's close.
 * Everything a peer controls is bounded; garbage, an over-long reply or
 * one cut short is an error, never a crash or a wait for ever.
 */
#ifndef SIDELOG_HTTP_H
#define SIDELOG_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_HEAD	(16 * 1024)	/* status line and headers */
#define HTTP_MAX_LINE	(8 * 1024)	/* one header line, one chunk-size line */

enum http_rc {
	HTTP_AGAIN,		/* the response is not complete yet */
	HTTP_DONE,		/* complete: see status, body */
	HTTP_BAD,		/* not HTTP, too long, or cut short */
};

/* One response being read.  Fields the caller reads are marked. */
struct http_resp {
	int		 status;	/* caller: 100..599 */
	int		 keep_alive;	/* caller: the connection may be reused */
	int64_t		 retry_after;	/* caller: seconds, -1 if absent */
	char		*body;		/* caller: the first body_cap bytes */
	size_t		 bodylen;	/* caller: bytes in body */
	uint64_t	 bodytotal;	/* caller: bytes of body seen */
	char		 error[128];	/* caller: why HTTP_BAD */
	/* Parser state. */
	size_t		 body_cap;
	int		 state;
	int		 chunked;
	int		 has_length;
	uint64_t	 remaining;	/* of the body or the current chunk */
	char		 line[HTTP_MAX_LINE];
	size_t		 linelen;
	size_t		 headbytes;
	int		 minor;		/* HTTP/1.minor */
	int		 conn_close;
};

struct http_req {
	const char	*method;	/* "POST" */
	const char	*host;		/* Host: value, with :port when not default */
	const char	*path;		/* origin-form, with the query */
	const char	*content_type;
	const char	*content_encoding;	/* NULL: none */
	const char	*authorization;		/* NULL: none; full value */
	const char	*proxy_authorization;	/* NULL: none; full value */
	const char *const *headers;	/* "Name: value" strings, n of them */
	int		 nheaders;
	uint64_t	 content_length;
};

size_t		 http_request_head(const struct http_req *, char *buf,
		    size_t len);
size_t		 http_connect_head(const char *hostport,
		    const char *proxy_authorization, char *buf, size_t len);
int		 http_connect_reply(const char *buf, size_t len, int *status,
		    char *line, size_t linelen);
void		 http_resp_init(struct http_resp *, char *body,
		    size_t body_cap);
enum http_rc	 http_resp_feed(struct http_resp *, const char *buf,
		    size_t len, size_t *used);
enum http_rc	 http_resp_eof(struct http_resp *);
const char	*http_excerpt(const struct http_resp *, char *buf,
		    size_t len);

#endif
