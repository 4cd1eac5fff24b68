/*
 * flat.c: walks a record's JSON object, member by member, into objects
 * (the dots of sidelog's keys, or a JSON line's own nesting), handing
 * each value that is not an object to the caller with its dotted name.
 * The record is sidelog's own JSON, valid by construction, but it is
 * walked with json.h's checked cursor all the same: a flaw here ends in
 * an error, not in a read past the record.
 */
#include <limits.h>
#include <string.h>

#include "flat.h"
#include "json.h"
#include "timestamp.h"

struct walk {
	struct json_cur	 c;
	const char	*whole;		/* its value is one leaf */
	char		 prefix[FLAT_PREFIX_MAX];
	flat_fn		*fn;
	void		*arg;
};

static int
members(struct walk *w, size_t plen)
{
	struct flat_leaf	 leaf;
	const char		*name;
	size_t			 nlen, deeper;
	int			 i = 0, rc;

	while ((rc = json_member(&w->c, &i, &name, &nlen)) == 1) {
		leaf.prefix = w->prefix;
		leaf.prefixlen = plen;
		leaf.name = name;
		leaf.namelen = nlen;
		deeper = plen + (plen > 0) + nlen;
		if (json_peek(&w->c) == '{' && deeper <= FLAT_PREFIX_MAX &&
		    (w->whole == NULL || !flat_key_is(&leaf, w->whole))) {
			if (plen > 0)
				w->prefix[plen] = '.';
			memcpy(w->prefix + plen + (plen > 0), name, nlen);
			if (json_enter(&w->c, '{') == -1 ||
			    members(w, deeper) == -1)
				return -1;
			continue;
		}
		json_peek(&w->c);
		leaf.value = w->c.p;
		if (json_skip(&w->c) == -1)
			return -1;
		leaf.len = (size_t)(w->c.p - leaf.value);
		if (w->fn(w->arg, &leaf) == -1)
			return -1;
	}
	return rc;
}

/* Calls fn for each leaf of the object [rec, rec+len), in order, the
 * value of key whole (when not NULL) one leaf whatever it is; -1 if it
 * is not one object (or fn said -1). */
int
flat_walk(const char *rec, size_t len, const char *whole, flat_fn *fn,
    void *arg)
{
	struct walk	 w;

	json_cur_init(&w.c, rec, len, INT_MAX);
	w.whole = whole;
	w.fn = fn;
	w.arg = arg;
	if (json_enter(&w.c, '{') == -1 || members(&w, 0) == -1)
		return -1;
	return json_done(&w.c) ? 0 : -1;
}

/* Whether the leaf's dotted key is key (a configured name: no escapes
 * to compare, so a name with one never matches). */
int
flat_key_is(const struct flat_leaf *l, const char *key)
{
	size_t	 klen = strlen(key);

	if (l->prefixlen == 0)
		return klen == l->namelen && memcmp(key, l->name, klen) == 0;
	return klen == l->prefixlen + 1 + l->namelen &&
	    memcmp(key, l->prefix, l->prefixlen) == 0 &&
	    key[l->prefixlen] == '.' &&
	    memcmp(key + l->prefixlen + 1, l->name, l->namelen) == 0;
}

size_t
flat_key_len(const struct flat_leaf *l)
{
	return l->prefixlen + (l->prefixlen > 0) + l->namelen;
}

/* The dotted key at out (escaped JSON text, no quotes); past its end. */
char *
flat_key_put(char *out, const struct flat_leaf *l)
{
	memcpy(out, l->prefix, l->prefixlen);
	out += l->prefixlen;
	if (l->prefixlen > 0)
		*out++ = '.';
	memcpy(out, l->name, l->namelen);
	return out + l->namelen;
}

/* Whether the leaf is key and an RFC 3339 time: then *ns is that time. */
int
flat_time(const struct flat_leaf *l, const char *key, uint64_t *ns)
{
	return flat_key_is(l, key) && *l->value == '"' &&
	    timestamp_rfc3339(l->value + 1, l->len - 2, ns) == 0;
}
