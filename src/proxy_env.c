/*
 * proxy_env.c: the proxy a request to the backend goes through.
 *
 * For now the NO_PROXY list: which hosts go direct, read as curl reads
 * it (curl(1) ENVIRONMENT, CURLOPT_NOPROXY(3)), with Go's httpproxy for
 * ports.  Pure: nothing here connects, logs or reads the environment.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proxy_env.h"

#define PROXY_HOST_MAX		256	/* a DNS name is 253 bytes at most */
#define PROXY_ENTRY_MAX		300	/* a NO_PROXY entry: [name]:port */

/* The backend, as NO_PROXY entries are matched against it. */
struct target {
	char		 name[PROXY_HOST_MAX];	/* no brackets, no final dot */
	size_t		 len;
	int		 af;		/* AF_INET, AF_INET6, or 0 for a name */
	unsigned char	 addr[16];
	int		 port;
};

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

