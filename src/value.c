/*
 * value.c: parsers for single configuration values.
 *
 * Each takes the text as written (after inih has trimmed it) and either
 * fills its result or says, in err, what it expected.  They are strict:
 * "10x", "1.5s" or "yes please" are errors, never a silent default, so a
 * typo in a ConfigMap is caught by `sidelog check` and not in production.
 * Nothing here allocates.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "value.h"

static int	fail(char *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static int
fail(char *err, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(err, VALUE_ERRLEN, fmt, ap);
	va_end(ap);
	return -1;
}

/* Leading decimal digits into *n; returns how many, or -1 on overflow. */
static int
digits(const char *s, uint64_t *n)
{
	int	 i;

	*n = 0;
	for (i = 0; isdigit((unsigned char)s[i]); i++) {
		if (*n > (UINT64_MAX - 9) / 10)
			return -1;
		*n = *n * 10 + (uint64_t)(s[i] - '0');
	}
	return i;
}

int
value_uint(const char *s, uint64_t *n, char *err)
{
	int	 len;

	len = digits(s, n);
	if (len == -1)
		return fail(err, "number too large");
	if (len == 0 || s[len] != '\0')
		return fail(err, "expected a whole number, got \"%s\"", s);
	return 0;
}

int
value_size(const char *s, uint64_t *n, char *err)
{
	static const char	 units[] = "kmg";
	const char		*u, *p;
	uint64_t		 mult = 1;
	int			 len;

	len = digits(s, n);
	if (len == -1)
		return fail(err, "size too large");
	if (len == 0)
		goto bad;
	u = s + len;
	p = *u != '\0' ? strchr(units, tolower((unsigned char)*u)) : NULL;
	if (p != NULL) {
		mult = 1ULL << (10 * (p - units + 1));
		u++;
		if (strcasecmp(u, "ib") == 0)
			u += 2;
	}
	if (*u != '\0' && strcasecmp(u, "b") != 0)
		goto bad;
	if (*n > UINT64_MAX / mult)
		return fail(err, "size too large");
	*n *= mult;
	return 0;
bad:
	return fail(err, "expected a size such as 512, 64k, 10m or 1g "
	    "(powers of 1024), got \"%s\"", s);
}

int
value_duration(const char *s, uint64_t *ms, char *err)
{
	static const struct {
		const char	*name;
		uint64_t	 ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	uint64_t	 n;
	size_t		 i;
	int		 len;

	len = digits(s, &n);
	if (len == -1)
		return fail(err, "duration too large");
	if (len > 0 && s[len] == '\0' && n == 0) {
		*ms = 0;
		return 0;
	}
	for (i = 0; len > 0 && i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + len, units[i].name) != 0)
			continue;
		if (n > UINT64_MAX / units[i].ms)
			return fail(err, "duration too large");
		*ms = n * units[i].ms;
		return 0;
	}
	return fail(err, "expected a duration such as 500ms, 10s, 5m or 1h, "
	    "got \"%s\"", s);
}

int
value_bool(const char *s, int *b, char *err)
{
	static const char	*yes[] = { "true", "yes", "on", "1" };
	static const char	*no[] = { "false", "no", "off", "0" };
	size_t			 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = 0;
			return 0;
		}
	}
	return fail(err, "expected true/false, yes/no, on/off or 1/0, "
	    "got \"%s\"", s);
}

/* Appends len bytes of s at out[*o], failing rather than truncating. */
static int
put(char *out, size_t outlen, size_t *o, const char *s, size_t len,
    char *err)
{
	if (len >= outlen - *o)
		return fail(err, "value longer than %zu bytes after "
		    "${VAR} expansion", outlen - 1);
	memcpy(out + *o, s, len);
	*o += len;
	out[*o] = '\0';
	return 0;
}

/* Adds name to the comma-separated list, once; left out if it does not
 * fit. */
static void
add_name(char *list, size_t size, const char *name)
{
	size_t		 len = strlen(list), nlen = strlen(name);
	const char	*s;

	for (s = list; (s = strstr(s, name)) != NULL; s += nlen)
		if ((s == list || s[-1] == ',') &&
		    (s[nlen] == ',' || s[nlen] == '\0'))
			return;
	if (len + (len > 0) + nlen >= size)
		return;
	if (len > 0)
		list[len++] = ',';
	memcpy(list + len, name, nlen + 1);
}

/*
 * One ${NAME} or ${NAME:-default} at s (which points at the '$').
 * Returns the length consumed, or -1.  An unset variable with no default
 * is an error: a misspelt name must not ship empty metadata quietly.
 * Unless unset is given (check --offline, where the pod's environment is
 * not): then the reference stays as written and its name is added to
 * unset, comma-separated.
 */
static int
expand_one(const char *s, char *out, size_t outlen, size_t *o,
    char *unset, size_t unsetlen, char *err)
{
	const char	*name = s + 2, *end, *dflt = NULL, *val;
	char		 var[128];
	size_t		 nlen;

	end = strchr(name, '}');
	if (end == NULL)
		return fail(err, "unterminated \"${\"");
	for (nlen = 0; name + nlen < end; nlen++) {
		char c = name[nlen];

		if (c == ':' && name[nlen + 1] == '-') {
			dflt = name + nlen + 2;
			break;
		}
		if (!(isalnum((unsigned char)c) || c == '_') ||
		    (nlen == 0 && isdigit((unsigned char)c)))
			return fail(err, "bad variable name in \"%.*s\" "
			    "(use ${NAME} or ${NAME:-default})",
			    (int)(end - s + 1), s);
	}
	if (nlen == 0 || nlen >= sizeof(var))
		return fail(err, "bad variable name in \"%.*s\"",
		    (int)(end - s + 1), s);
	memcpy(var, name, nlen);
	var[nlen] = '\0';
	val = getenv(var);
	if (val == NULL && dflt == NULL && unset != NULL) {
		add_name(unset, unsetlen, var);
		if (put(out, outlen, o, s, (size_t)(end - s + 1), err) == -1)
			return -1;
	} else if (val == NULL || (*val == '\0' && dflt != NULL)) {
		if (dflt == NULL)
			return fail(err, "environment variable %s is not set "
			    "(write ${%s:-} to allow it empty)", var, var);
		if (put(out, outlen, o, dflt, (size_t)(end - dflt), err) == -1)
			return -1;
	} else if (put(out, outlen, o, val, strlen(val), err) == -1)
		return -1;
	return (int)(end - s + 1);
}

int
value_expand(const char *s, char *out, size_t outlen, char *err)
{
	return value_expand_unset(s, out, outlen, NULL, 0, err);
}

int
value_expand_unset(const char *s, char *out, size_t outlen, char *unset,
    size_t unsetlen, char *err)
{
	size_t	 o = 0;
	int	 n;

	out[0] = '\0';
	if (unset != NULL)
		*unset = '\0';
	while (*s != '\0') {
		if (s[0] == '$' && s[1] == '$' && s[2] == '{') {
			/* "$${" is a literal "${". */
			if (put(out, outlen, &o, "${", 2, err) == -1)
				return -1;
			s += 3;
		} else if (s[0] == '$' && s[1] == '{') {
			n = expand_one(s, out, outlen, &o, unset, unsetlen,
			    err);
			if (n == -1)
				return -1;
			s += n;
		} else {
			if (put(out, outlen, &o, s, 1, err) == -1)
				return -1;
			s++;
		}
	}
	return 0;
}

/* "host", "host:port", "[v6]" or "[v6]:port"; port stays as given if absent. */
static int
hostport(const char *s, size_t len, char *host, size_t hostlen, int *port,
    char *err)
{
	const char	*h = s, *colon;
	size_t		 hlen;
	uint64_t	 p;
	char		 num[8];

	if (len > 0 && s[0] == '[') {
		colon = memchr(s, ']', len);
		if (colon == NULL)
			return fail(err, "unterminated \"[\" in address");
		h = s + 1;
		hlen = (size_t)(colon - h);
		colon++;
		if (colon < s + len && *colon != ':')
			return fail(err, "junk after \"]\" in address");
	} else {
		colon = memchr(s, ':', len);
		hlen = colon ? (size_t)(colon - s) : len;
	}
	if (hlen >= hostlen)
		return fail(err, "host name too long");
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (colon == NULL || colon >= s + len)
		return 0;
	colon++;
	if ((size_t)(s + len - colon) >= sizeof(num) || colon == s + len)
		return fail(err, "bad port in \"%.*s\"", (int)len, s);
	memcpy(num, colon, (size_t)(s + len - colon));
	num[s + len - colon] = '\0';
	if (value_uint(num, &p, err) == -1 || p == 0 || p > 65535)
		return fail(err, "bad port \"%s\" (1 to 65535)", num);
	*port = (int)p;
	return 0;
}

int
value_hostport(const char *s, char *host, size_t hostlen, int *port,
    char *err)
{
	*port = 0;
	if (hostport(s, strlen(s), host, hostlen, port, err) == -1)
		return -1;
	if (*port == 0)
		return fail(err, "expected HOST:PORT such as 0.0.0.0:2020, "
		    "got \"%s\"", s);
	return 0;
}

int
value_url(const char *s, struct value_url *u, char *err)
{
	const char	*auth, *end;
	size_t		 i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return fail(err, "URL holds a space or control "
			    "character");
	if (strncasecmp(s, "https://", 8) == 0) {
		u->tls = 1;
		auth = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		u->tls = 0;
		auth = s + 7;
	} else
		return fail(err, "expected an http:// or https:// URL, "
		    "got \"%s\"", s);
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL)
		return fail(err, "credentials do not belong in the URL "
		    "(use auth.user and auth.password_file)");
	u->port = u->tls ? 443 : 80;
	if (hostport(auth, (size_t)(end - auth), u->host, sizeof(u->host),
	    &u->port, err) == -1)
		return -1;
	if (u->host[0] == '\0')
		return fail(err, "URL has no host");
	if (strchr(end, '#') != NULL)
		return fail(err, "URL has a fragment (\"#...\")");
	if (snprintf(u->path, sizeof(u->path), "%s%s",
	    *end == '/' ? "" : "/", end) >= (int)sizeof(u->path))
		return fail(err, "URL path too long");
	return 0;
}

void
value_format_size(uint64_t n, char *buf, size_t len)
{
	static const char	 units[] = "gmk";
	int			 i;

	for (i = 0; i < 3; i++) {
		uint64_t unit = 1ULL << (10 * (3 - i));

		if (n != 0 && n % unit == 0) {
			snprintf(buf, len, "%llu%c",
			    (unsigned long long)(n / unit), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)n);
}

void
value_format_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
}

/* A hexadecimal digit's value, either case; -1 if c is none. */
int
value_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
