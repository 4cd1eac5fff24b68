/*
 * bulk.c: a _bulk reply, {"took":..,"errors":bool,"items":[{"create":
 * {..,"status":201,"error":{"type":..}}}, ...]}, read without building a
 * tree: a bounded recursive skipper walks to "items" and, in each item,
 * to "status" and "error"."type".  Anything else in the reply is skipped,
 * so a newer server's extra fields do no harm; a reply that is not of
 * this shape, or whose item count differs from the request's, is an
 * error and the caller sends the batch again (its ids make that safe).
 */
#include <stdlib.h>
#include <string.h>

#include "bulk.h"

#define BULK_MAX_DEPTH	64

struct scan {
	const char	*p, *end;
	int		 depth;
};

static void
ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
expect(struct scan *s, char c)
{
	ws(s);
	if (s->p == s->end || *s->p != c)
		return -1;
	s->p++;
	return 0;
}

/* A string; its raw text (escapes left as they are) in *str, *len. */
static int
string(struct scan *s, const char **str, size_t *len)
{
	ws(s);
	if (s->p == s->end || *s->p != '"')
		return -1;
	*str = ++s->p;
	while (s->p < s->end && *s->p != '"') {
		if (*s->p == '\\') {
			s->p++;
			if (s->p == s->end)
				return -1;
		}
		s->p++;
	}
	if (s->p == s->end)
		return -1;
	*len = (size_t)(s->p++ - *str);
	return 0;
}

static int	skip(struct scan *);

static int
skip_container(struct scan *s, char close)
{
	const char	*k;
	size_t		 kl;

	if (++s->depth > BULK_MAX_DEPTH)
		return -1;
	ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (close == '}' && (string(s, &k, &kl) == -1 ||
		    expect(s, ':') == -1))
			return -1;
		if (skip(s) == -1)
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (expect(s, close) == -1)
			return -1;
		s->depth--;
		return 0;
	}
}

/* true, false, null or a number: what else stands bare is not JSON. */
static int
literal(struct scan *s)
{
	static const char *const words[] = { "true", "false", "null" };
	const char	*start = s->p;
	size_t		 i, n;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		if ((size_t)(s->end - s->p) >= n &&
		    memcmp(s->p, words[i], n) == 0) {
			s->p += n;
			return 0;
		}
	}
	while (s->p < s->end && memchr("-+.eE0123456789", *s->p, 15) != NULL)
		s->p++;
	return s->p > start && (start[0] == '-' || (start[0] >= '0' &&
	    start[0] <= '9')) ? 0 : -1;
}

/* Any value. */
static int
skip(struct scan *s)
{
	const char	*str;
	size_t		 len;

	ws(s);
	if (s->p == s->end)
		return -1;
	if (*s->p == '"')
		return string(s, &str, &len);
	if (*s->p == '{' || *s->p == '[') {
		s->p++;
		return skip_container(s, s->p[-1] == '{' ? '}' : ']');
	}
	return literal(s);
}

/* An item's HTTP status: anything but 100..599 makes the reply unread
 * (the batch is sent again) rather than a record dead-lettered. */
static int
status_code(struct scan *s, int *n)
{
	ws(s);
	*n = 0;
	if (s->p == s->end || *s->p < '0' || *s->p > '9')
		return -1;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9' && *n < 1000)
		*n = *n * 10 + (*s->p++ - '0');
	return *n >= 100 && *n <= 599 ? 0 : -1;
}

/* {"type":"...", ...}: the type kept for the log. */
static int
error_obj(struct scan *s, char *type)
{
	const char	*k, *v;
	size_t		 kl, vl;

	if (expect(s, '{') == -1)
		return -1;
	ws(s);
	while (s->p < s->end && *s->p != '}') {
		if (string(s, &k, &kl) == -1 || expect(s, ':') == -1)
			return -1;
		if (kl == 4 && memcmp(k, "type", 4) == 0) {
			if (string(s, &v, &vl) == -1)
				return -1;
			if (vl >= BULK_ERRTYPE)
				vl = BULK_ERRTYPE - 1;
			memcpy(type, v, vl);
			type[vl] = '\0';
		} else if (skip(s) == -1)
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		ws(s);
	}
	return expect(s, '}');
}

/* {"create":{..."status":N,..."error":{...}}} */
static int
item(struct scan *s, int *status, char *type)
{
	const char	*k;
	size_t		 kl;

	*status = -1;
	type[0] = '\0';
	if (expect(s, '{') == -1 || string(s, &k, &kl) == -1 ||
	    expect(s, ':') == -1 || expect(s, '{') == -1)
		return -1;
	ws(s);
	while (s->p < s->end && *s->p != '}') {
		if (string(s, &k, &kl) == -1 || expect(s, ':') == -1)
			return -1;
		if (kl == 6 && memcmp(k, "status", 6) == 0) {
			if (status_code(s, status) == -1)
				return -1;
		} else if (kl == 5 && memcmp(k, "error", 5) == 0) {
			ws(s);
			if (s->p < s->end && *s->p == '{' ?
			    error_obj(s, type) == -1 : skip(s) == -1)
				return -1;
		} else if (skip(s) == -1)
			return -1;
		ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		ws(s);
	}
	if (expect(s, '}') == -1 || expect(s, '}') == -1)
		return -1;
	return *status == -1 ? -1 : 0;
}

static int
items(struct scan *s, int *status, char (*errtype)[BULK_ERRTYPE], int n)
{
	int	 i = 0;

	if (expect(s, '[') == -1)
		return -1;
	ws(s);
	while (s->p < s->end && *s->p != ']') {
		if (i == n || item(s, &status[i], errtype[i]) == -1)
			return -1;
		i++;
		ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		ws(s);
	}
	return expect(s, ']') == -1 || i != n ? -1 : 0;
}

/*
 * Fills status[0..n) (and errtype, "" when none) from the reply of a
 * request of n items.  Returns 0, or -1 if the reply cannot be read.
 */
int
bulk_parse(const char *body, size_t len, int *status,
    char (*errtype)[BULK_ERRTYPE], int n)
{
	struct scan	 s = { body, body + len, 0 };
	const char	*k;
	size_t		 kl;
	int		 found = 0;

	if (expect(&s, '{') == -1)
		return -1;
	ws(&s);
	while (s.p < s.end && *s.p != '}') {
		if (string(&s, &k, &kl) == -1 || expect(&s, ':') == -1)
			return -1;
		if (kl == 5 && memcmp(k, "items", 5) == 0) {
			if (items(&s, status, errtype, n) == -1)
				return -1;
			found = 1;
		} else if (skip(&s) == -1)
			return -1;
		ws(&s);
		if (s.p < s.end && *s.p == ',')
			s.p++;
		ws(&s);
	}
	return found && expect(&s, '}') == 0 ? 0 : -1;
}

/*
 * The reply's "errors" member, read before "items" (where Elasticsearch
 * writes it), so a reply cut short by the body cap still says whether
 * every item succeeded: 0 false, 1 true, -1 unknown.
 */
int
bulk_errors(const char *body, size_t len)
{
	struct scan	 s = { body, body + len, 0 };
	const char	*k;
	size_t		 kl;

	if (expect(&s, '{') == -1)
		return -1;
	for (;;) {
		if (string(&s, &k, &kl) == -1 || expect(&s, ':') == -1)
			return -1;
		if (kl == 5 && memcmp(k, "items", 5) == 0)
			return -1;
		ws(&s);
		if (kl == 6 && memcmp(k, "errors", 6) == 0)
			return (size_t)(s.end - s.p) >= 5 &&
			    memcmp(s.p, "false", 5) == 0 ? 0 :
			    (size_t)(s.end - s.p) >= 4 &&
			    memcmp(s.p, "true", 4) == 0 ? 1 : -1;
		if (skip(&s) == -1 || expect(&s, ',') == -1)
			return -1;
	}
}
