/*
 * proxy_env.c: the proxy a request to the backend goes through.
 *
 * The [output] proxy key wins: "none" means never, a URL always.  Left
 * empty, the environment decides as it does for curl (curl(1)
 * ENVIRONMENT, libcurl-env(3)): the scheme's variable, lower case first,
 * then all_proxy; no_proxy names the hosts that go direct.  Nothing here
 * connects or logs, and getenv is all it reads.  A proxy's credentials
 * may be in url, never in why: `sidelog check` prints it, the log holds it.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy_env.h"

/* curl's default proxy ports (CURLOPT_PROXYPORT(3)). */
#define PROXY_PORT_HTTP		1080
#define PROXY_PORT_HTTPS	443
#define PROXY_HOST_MAX		256	/* a DNS name is 253 bytes at most */
#define PROXY_ENTRY_MAX		300	/* a NO_PROXY entry: [name]:port */

/* A proxy URL in parts. */
struct purl {
	int		 tls;
	const char	*cred;		/* user[:password]; NULL without "@" */
	size_t		 credlen;
	char		 host[PROXY_HOST_MAX];	/* IPv6 without brackets */
	int		 port;
};

/* The backend, as NO_PROXY entries are matched against it. */
struct target {
	char		 name[PROXY_HOST_MAX];	/* no brackets, no final dot */
	size_t		 len;
	int		 af;		/* AF_INET, AF_INET6, or 0 for a name */
	unsigned char	 addr[16];
	int		 port;
};

static int	say(struct proxy_choice *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	fail(struct proxy_choice *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

/* Writes why; 0, so that a caller may return it. */
static int
say(struct proxy_choice *pc, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(pc->why, sizeof(pc->why), fmt, ap);
	va_end(ap);
	return 0;
}

/* No proxy, and why says what is wrong; -1. */
static int
fail(struct proxy_choice *pc, const char *fmt, ...)
{
	va_list	 ap;

	pc->url[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(pc->why, sizeof(pc->why), fmt, ap);
	va_end(ap);
	return -1;
}

static int
bad(const char **err, const char *why)
{
	*err = why;
	return -1;
}

/* len bytes at s as a port, 1 to 65535: 0 or -1. */
static int
port_parse(const char *s, size_t len, int *port)
{
	size_t	 i;
	int	 n = 0;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	if (n < 1 || n > 65535)
		return -1;
	*port = n;
	return 0;
}

/* A host name's letters: RFC 1123's, and "_" as resolvers allow it. */
static int
is_hostname(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_')
			return 0;
	return 1;
}

/* "host", "host:port", "[v6]" or "[v6]:port", len bytes at s. */
static int
purl_hostport(const char *s, size_t len, struct purl *u, const char **err)
{
	const char	*h = s, *colon;
	unsigned char	 a6[16];
	size_t		 hlen;

	if (len > 0 && s[0] == '[') {
		colon = memchr(s, ']', len);
		if (colon == NULL)
			return bad(err, "\"[\" without \"]\"");
		h = s + 1;
		hlen = (size_t)(colon - h);
		colon++;
		if (colon < s + len && *colon != ':')
			return bad(err, "junk after \"]\"");
	} else {
		colon = memchr(s, ':', len);
		hlen = colon != NULL ? (size_t)(colon - s) : len;
	}
	if (hlen == 0)
		return bad(err, "no host");
	if (hlen >= sizeof(u->host))
		return bad(err, "host name too long");
	memcpy(u->host, h, hlen);
	u->host[hlen] = '\0';
	if (h != s ? inet_pton(AF_INET6, u->host, a6) != 1 :
	    !is_hostname(u->host))
		return bad(err, "not a host name or address");
	if (colon == NULL || colon >= s + len)
		return 0;
	colon++;
	if (port_parse(colon, (size_t)(s + len - colon), &u->port) == -1)
		return bad(err, "port not a number from 1 to 65535");
	return 0;
}

/*
 * s as [http:// | https://][user[:password]@]host[:port][/]; no scheme
 * means http:// (curl(1), --proxy).  *err is a phrase that quotes
 * nothing of s: s may hold a password.
 */
static int
purl_parse(const char *s, struct purl *u, const char **err)
{
	const char	*auth, *end, *at, *p;

	memset(u, 0, sizeof(*u));
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return bad(err, "a space or control character");
	auth = strstr(s, "://");
	if (auth == NULL)
		auth = s;
	else if (auth - s == 4 && strncasecmp(s, "http", 4) == 0)
		auth += 3;
	else if (auth - s == 5 && strncasecmp(s, "https", 5) == 0) {
		u->tls = 1;
		auth += 3;
	} else
		return bad(err, "a scheme other than http:// or https://");
	end = auth + strcspn(auth, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0)
		return bad(err, "a path, query or fragment");
	at = memrchr(auth, '@', (size_t)(end - auth));
	if (at != NULL) {
		u->cred = auth;
		u->credlen = (size_t)(at - auth);
		auth = at + 1;
	}
	u->port = u->tls ? PROXY_PORT_HTTPS : PROXY_PORT_HTTP;
	return purl_hostport(auth, (size_t)(end - auth), u, err);
}

/* u as scheme://[cred@]host:port, with cred only if with_cred; 0 or -1. */
static int
purl_format(const struct purl *u, int with_cred, char *buf, size_t len)
{
	int	 v6 = strchr(u->host, ':') != NULL, cred, n;

	cred = with_cred && u->cred != NULL && u->credlen > 0;
	n = snprintf(buf, len, "%s://%.*s%s%s%s%s:%d",
	    u->tls ? "https" : "http", cred ? (int)u->credlen : 0,
	    cred ? u->cred : "", cred ? "@" : "", v6 ? "[" : "", u->host,
	    v6 ? "]" : "", u->port);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The first of n variables set and not empty, its value in *val; NULL. */
static const char *
first_set(const char *const *names, size_t n, const char **val)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		*val = getenv(names[i]);
		if (*val != NULL && **val != '\0')
			return names[i];
	}
	return NULL;
}

/*
 * host (an IPv6 literal with or without brackets) and port as a target.
 * An empty or overlong host is one no entry but "*" matches.
 */
static void
target_init(struct target *t, const char *host, int port)
{
	size_t	 len = host != NULL ? strlen(host) : 0;

	memset(t, 0, sizeof(*t));
	t->port = port;
	if (len > 1 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(t->name))
		return;
	memcpy(t->name, host, len);
	t->name[len] = '\0';
	if (inet_pton(AF_INET, t->name, t->addr) == 1)
		t->af = AF_INET;
	else if (inet_pton(AF_INET6, t->name, t->addr) == 1)
		t->af = AF_INET6;
	else if (t->name[len - 1] == '.')
		t->name[--len] = '\0';	/* the root's dot names nothing */
	t->len = len;
}

/* Whether the first bits bits of a and b are equal. */
static int
prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	size_t	 n = (size_t)bits / 8;
	int	 rest = bits % 8;

	if (memcmp(a, b, n) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[n] ^ b[n]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/*
 * Whether the address a, its first bits bits (-1: all of them), holds t:
 * 1 or 0; -1 if a is not an address or bits is too large for it.
 */
static int
addr_matches(const char *a, int bits, const struct target *t)
{
	unsigned char	 net[16];
	int		 af, all;

	if (inet_pton(AF_INET, a, net) == 1) {
		af = AF_INET;
		all = 32;
	} else if (inet_pton(AF_INET6, a, net) == 1) {
		af = AF_INET6;
		all = 128;
	} else
		return -1;
	if (bits == -1)
		bits = all;
	if (bits > all)
		return -1;
	return af == t->af && prefix_equal(net, t->addr, bits);
}

/*
 * "address/bits".  /0 holds every address of its family, as Go's
 * httpproxy has it (curl reads /0 as /32 or /128).  A malformed range
 * matches nothing.
 */
static int
cidr_matches(char *e, const struct target *t)
{
	char	*slash = strchr(e, '/'), *b;
	int	 bits = 0;

	*slash = '\0';
	b = slash + 1;
	if (*b == '\0' || strlen(b) > 3)
		return 0;
	for (; *b != '\0'; b++) {
		if (*b < '0' || *b > '9')
			return 0;
		bits = bits * 10 + (*b - '0');
	}
	return addr_matches(e, bits, t) == 1;
}

/*
 * Takes a ":port" off the entry e, and the brackets off "[v6]".  Go's
 * httpproxy reads entries so: a bare IPv6 address is all colons, so only
 * a name, an IPv4 address or "[v6]" may have a port.  *port is left 0
 * without one; -1 if the entry is malformed.
 */
static int
entry_port(char *e, int *port)
{
	char	*colon, *close;
	size_t	 n;

	if (e[0] == '[') {
		close = strchr(e, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return -1;
		colon = close[1] == ':' ? close + 1 : NULL;
		n = (size_t)(close - e - 1);
		memmove(e, e + 1, n);
		e[n] = '\0';
	} else {
		colon = strchr(e, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;
		if (colon != NULL)
			*colon = '\0';
	}
	if (colon == NULL)
		return 0;
	return port_parse(colon + 1, strlen(colon + 1), port);
}

/*
 * A name: the host itself or any name under it, case aside.  A leading
 * "." (or Go's "*.") is dropped, so ".example.com" takes example.com too,
 * as curl does (lib/noproxy.c; Go's httpproxy would not).  A final dot
 * is dropped on both sides.  An address host never gets here.
 */
static int
name_matches(const char *e, const struct target *t)
{
	size_t	 len;

	if (e[0] == '*' && e[1] == '.')
		e++;
	if (e[0] == '.')
		e++;
	len = strlen(e);
	if (len > 0 && e[len - 1] == '.')
		len--;
	if (len == 0 || len > t->len)
		return 0;
	if (len < t->len && t->name[t->len - len - 1] != '.')
		return 0;
	return strncasecmp(t->name + t->len - len, e, len) == 0;
}

/* Whether the entry, len bytes at s (trimmed, not empty), takes t direct. */
static int
entry_matches(const char *s, size_t len, const struct target *t)
{
	char	 e[PROXY_ENTRY_MAX];
	int	 port = 0, m;

	if (len == 1 && s[0] == '*')
		return 1;
	if (len >= sizeof(e))
		return 0;
	memcpy(e, s, len);
	e[len] = '\0';
	if (strchr(e, '/') != NULL)
		return cidr_matches(e, t);
	if (entry_port(e, &port) == -1 || (port != 0 && port != t->port))
		return 0;
	m = addr_matches(e, -1, t);
	if (m != -1)
		return m;
	return t->af == 0 && name_matches(e, t);
}

/*
 * The first entry of list that takes t direct, or NULL; *len its length.
 * Entries are split at commas with the blanks around them dropped (curl
 * no longer splits at blanks: DEPRECATE.md); empty or malformed entries
 * match nothing.
 */
static const char *
list_match(const char *list, const struct target *t, size_t *len)
{
	const char	*p = list, *e, *end;
	size_t		 n;

	while (*p != '\0') {
		end = p + strcspn(p, ",");
		for (e = p; e < end && isspace((unsigned char)*e); e++)
			;
		for (n = (size_t)(end - e); n > 0 &&
		    isspace((unsigned char)e[n - 1]); n--)
			;
		if (n > 0 && entry_matches(e, n, t)) {
			*len = n;
			return e;
		}
		p = *end == ',' ? end + 1 : end;
	}
	return NULL;
}

int
proxy_no_proxy(const char *list, const char *host, int port)
{
	struct target	 t;
	size_t		 len;

	if (list == NULL)
		return 0;
	target_init(&t, host, port);
	return list_match(list, &t, &len) != NULL;
}

/* Whether no_proxy (or NO_PROXY) takes host:port direct; why says so. */
static int
exempt(const char *host, int port, struct proxy_choice *pc)
{
	static const char *const names[] = { "no_proxy", "NO_PROXY" };
	struct target		 t;
	const char		*name, *list, *e;
	size_t			 len;
	int			 v6;

	name = first_set(names, 2, &list);
	if (name == NULL)
		return 0;
	target_init(&t, host, port);
	e = list_match(list, &t, &len);
	if (e == NULL)
		return 0;
	v6 = t.af == AF_INET6;
	say(pc, "direct: %s entry \"%.*s\" matches %s%s%s:%d", name,
	    (int)len, e, v6 ? "[" : "", t.name, v6 ? "]" : "", port);
	return 1;
}

static int
from_key(const char *key, struct proxy_choice *pc)
{
	struct purl	 u;
	const char	*err;

	if (strcasecmp(key, "none") == 0)
		return say(pc, "direct: [output] proxy = none");
	if (purl_parse(key, &u, &err) == -1)
		return fail(pc, "[output] proxy: %s; expected "
		    "http://HOST[:PORT] or https://HOST[:PORT]", err);
	if (u.cred != NULL)
		return fail(pc, "[output] proxy: credentials do not belong in "
		    "the URL (use proxy.user and proxy.password_file)");
	if (purl_format(&u, 1, pc->url, sizeof(pc->url)) == -1)
		return fail(pc, "[output] proxy: URL too long");
	return say(pc, "[output] proxy: %s", pc->url);
}

/* The value of the variable name; its credentials kept out of why. */
static int
from_env(const char *name, const char *val, struct proxy_choice *pc)
{
	struct purl	 u;
	const char	*err;
	char		 shown[PROXY_URL_MAX];

	if (purl_parse(val, &u, &err) == -1)
		return fail(pc, "%s: %s; expected http://HOST[:PORT] or "
		    "https://HOST[:PORT]", name, err);
	if (purl_format(&u, 1, pc->url, sizeof(pc->url)) == -1 ||
	    purl_format(&u, 0, shown, sizeof(shown)) == -1)
		return fail(pc, "%s: URL too long", name);
	return say(pc, "%s: %s%s", name, shown, u.credlen > 0 ?
	    " (credentials not shown)" : "");
}

/*
 * The variables per scheme, in order.  curl reads http_proxy in lower
 * case only, since a CGI script's environment holds HTTP_PROXY from a
 * request's Proxy: header (everything curl, "Proxy environment
 * variables").  A sidecar runs no CGI, and SPEC names both.
 */
int
proxy_env_pick(const char *key, int https, const char *host, int port,
    struct proxy_choice *pc)
{
	static const char *const vars[2][4] = {
		{ "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY" },
		{ "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" },
	};
	const char *const	*names = vars[https != 0];
	const char		*name, *val;

	pc->url[0] = '\0';
	pc->why[0] = '\0';
	if (key != NULL && *key != '\0')
		return from_key(key, pc);
	name = first_set(names, 4, &val);
	if (name == NULL)
		return say(pc, "direct: none of %s, %s, %s, %s is set",
		    names[0], names[1], names[2], names[3]);
	if (exempt(host, port, pc))
		return 0;
	return from_env(name, val, pc);
}
