/*
 * proxy_env.h: which proxy a request to the backend goes through: the
 * [output] proxy key, or the environment read as curl reads it
 * (https_proxy, http_proxy, all_proxy, no_proxy and their upper-case
 * forms).  Pure: getenv is all it reads; conn.c connects.
 */
#ifndef SIDELOG_PROXY_ENV_H
#define SIDELOG_PROXY_ENV_H

#define PROXY_URL_MAX	512
#define PROXY_WHY_MAX	200

struct proxy_choice {
	char	url[PROXY_URL_MAX];	/* the proxy's URL, "" for none */
	/* One line for `sidelog check` and the log: which key or variable,
	 * or which NO_PROXY entry matched. */
	char	why[PROXY_WHY_MAX];
};

/*
 * What a request to the backend (https or not, host, port) goes through,
 * given the [output] proxy key (NULL or "": the environment; "none":
 * never; else the URL itself).  0, or -1 with why saying what is wrong
 * (e.g. an environment value that is not http://HOST[:PORT] or
 * https://HOST[:PORT]).  Credentials in an environment URL
 * (http://user:pass@host:port) are kept in url but never written into
 * why.
 */
int	proxy_env_pick(const char *key, int https, const char *host, int port,
	    struct proxy_choice *);
/* Whether the NO_PROXY list says host:port goes direct: 1 or 0. */
int	proxy_no_proxy(const char *list, const char *host, int port);

#endif
