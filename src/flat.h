/*
 * flat.h: a record (record_encode()'s JSON) as leaves named by dotted
 * keys, for the formats whose records are flat lists: OTLP attributes,
 * Loki structured metadata, HEC fields.
 */
#ifndef SIDELOG_FLAT_H
#define SIDELOG_FLAT_H

#include <stddef.h>
#include <stdint.h>

/* Objects are followed into while their dotted name is no longer than
 * this; a deeper one is a leaf of its own, its value the object: so a
 * leaf's key costs at most this besides its own name, and a record's
 * flat form stays within a bound of its JSON's length. */
#define FLAT_PREFIX_MAX	256

/* One leaf: its key is prefix + "." + name (name alone when prefix is
 * empty), both raw JSON string text, escapes as they stand. */
struct flat_leaf {
	const char	*prefix, *name;
	size_t		 prefixlen, namelen;
	const char	*value;		/* raw JSON text */
	size_t		 len;
};

typedef int	flat_fn(void *arg, const struct flat_leaf *);

int	flat_walk(const char *rec, size_t len, const char *whole, flat_fn *,
	    void *arg);
int	flat_key_is(const struct flat_leaf *, const char *key);
int	flat_time(const struct flat_leaf *, const char *key, uint64_t *ns);
size_t	flat_key_len(const struct flat_leaf *);
char	*flat_key_put(char *out, const struct flat_leaf *);

#endif
