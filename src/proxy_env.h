/*
 * proxy_env.h: which proxy a request to the backend goes through.  For
 * now the NO_PROXY list: which hosts it takes direct, read as curl reads
 * it.  Pure: conn.c connects.
 */
#ifndef SIDELOG_PROXY_ENV_H
#define SIDELOG_PROXY_ENV_H

/* Whether the NO_PROXY list says host:port goes direct: 1 or 0. */
int	proxy_no_proxy(const char *list, const char *host, int port);

#endif
