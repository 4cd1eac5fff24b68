/*
 * resolve.h: the backend's name, resolved without blocking the loop.
 *
 * resolve_start() hands the lookup to a short-lived child process and
 * calls done from the loop once the addresses (or an error) are back;
 * resolve_cancel() ends a lookup whose answer is no longer wanted.
 */
#ifndef SIDELOG_RESOLVE_H
#define SIDELOG_RESOLVE_H

#include <sys/socket.h>

#include "loop.h"

#define RESOLVE_MAX_ADDRS	16	/* addresses kept of one answer */

struct resolve_addr {
	int			 family;
	int			 socktype;
	int			 protocol;
	socklen_t		 len;
	struct sockaddr_storage	 sa;
};

struct resolve;

/* addrs[0..n) on success; n == 0 and error set on failure.  The call
 * ends the lookup: r is freed after done returns. */
typedef void	resolve_done_fn(void *arg, const struct resolve_addr *addrs,
		    int n, const char *error);

struct resolve	*resolve_start(struct loop *, const char *host, int port,
		    resolve_done_fn *, void *arg);
void		 resolve_cancel(struct resolve *);

#endif
