/*
 * bulk.c: a _bulk reply, {"took":..,"errors":bool,"items":[{"create":
 * {..,"status":201,"error":{"type":..}}}, ...]}, read with json.h's
 * cursor, without building a tree: it walks to "items" and, in each
 * item, to "status" and "error"."type".  Anything else in the reply is
 * skipped, so a newer server's extra fields do no harm; a reply that is
 * not of this shape, or whose item count differs from the request's, is
 * an error and the caller sends the batch again (its ids make that safe).
 */
#include <limits.h>
#include <string.h>

#include "bulk.h"
#include "json.h"

#define IS(k, kl, lit)	((kl) == sizeof(lit) - 1 && memcmp(k, lit, kl) == 0)

/* An item's HTTP status: anything but 100..599 makes the reply unread
 * (the batch is sent again) rather than a record dead-lettered. */
static int
status_code(struct json_cur *c, int *n)
{
	uint64_t	 v;

	if (json_peek(c) == '"' || json_uint(c, 599, &v) == -1 || v < 100)
		return -1;
	*n = (int)v;
	return 0;
}

/* {"type":"...", ...}: the type kept for the log. */
static int
error_obj(struct json_cur *c, char *type)
{
	const char	*k, *v;
	size_t		 kl, vl;
	int		 i = 0, rc;

	if (json_enter(c, '{') == -1)
		return -1;
	while ((rc = json_member(c, &i, &k, &kl)) == 1) {
		if (!IS(k, kl, "type") || json_peek(c) != '"') {
			if (json_skip(c) == -1)
				return -1;
			continue;
		}
		if (json_string(c, &v, &vl) == -1)
			return -1;
		if (vl >= BULK_ERRTYPE)
			vl = BULK_ERRTYPE - 1;
		memcpy(type, v, vl);
		type[vl] = '\0';
	}
	return rc;
}

/* {"create":{..."status":N,..."error":{...}}} */
static int
item(struct json_cur *c, int *status, char *type)
{
	const char	*k;
	size_t		 kl;
	int		 i = 0, j = 0, rc;

	*status = -1;
	type[0] = '\0';
	if (json_enter(c, '{') == -1 || json_member(c, &i, &k, &kl) != 1 ||
	    json_enter(c, '{') == -1)
		return -1;
	while ((rc = json_member(c, &j, &k, &kl)) == 1) {
		if (IS(k, kl, "status"))
			rc = status_code(c, status);
		else if (IS(k, kl, "error") && json_peek(c) == '{')
			rc = error_obj(c, type);
		else
			rc = json_skip(c);
		if (rc == -1)
			return -1;
	}
	if (rc == -1 || json_member(c, &i, &k, &kl) != 0)
		return -1;
	return *status == -1 ? -1 : 0;
}

static int
items(struct json_cur *c, int *status, char (*errtype)[BULK_ERRTYPE], int n)
{
	int	 i = 0, rc;

	if (json_enter(c, '[') == -1)
		return -1;
	while ((rc = json_element(c, &i, ']')) == 1)
		if (i > n || item(c, &status[i - 1], errtype[i - 1]) == -1)
			return -1;
	return rc == -1 || i != n ? -1 : 0;
}

/*
 * Fills status[0..n) (and errtype, "" when none) from the reply of a
 * request of n items.  Returns 0, or -1 if the reply cannot be read.
 */
int
bulk_parse(const char *body, size_t len, int *status,
    char (*errtype)[BULK_ERRTYPE], int n)
{
	struct json_cur	 c;
	const char	*k;
	size_t		 kl;
	int		 i = 0, found = 0, rc;

	json_cur_init(&c, body, len, INT_MAX);
	if (json_enter(&c, '{') == -1)
		return -1;
	while ((rc = json_member(&c, &i, &k, &kl)) == 1) {
		if (IS(k, kl, "items") && !found) {
			rc = items(&c, status, errtype, n);
			found = 1;
		} else
			rc = json_skip(&c);
		if (rc == -1)
			return -1;
	}
	return rc == 0 && found && json_done(&c) ? 0 : -1;
}

/*
 * The reply's "errors" member, read before "items" (where Elasticsearch
 * writes it), so a reply cut short by the body cap still says whether
 * every item succeeded: 0 false, 1 true, -1 unknown.
 */
int
bulk_errors(const char *body, size_t len)
{
	struct json_cur	 c;
	const char	*k;
	size_t		 kl;
	int		 i = 0, b;

	json_cur_init(&c, body, len, INT_MAX);
	if (json_enter(&c, '{') == -1)
		return -1;
	while (json_member(&c, &i, &k, &kl) == 1) {
		if (IS(k, kl, "items"))
			return -1;
		if (IS(k, kl, "errors"))
			return json_bool(&c, &b) == -1 ? -1 : b;
		if (json_skip(&c) == -1)
			return -1;
	}
	return -1;
}
