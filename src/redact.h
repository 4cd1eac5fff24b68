/*
 * redact.h: an input's redaction rules, and a message with every match
 * of them masked, before it is parsed or any sink sees it.
 *
 * Rules are the built-ins named in `redact = ...` (in that order), then
 * the custom `redact.NAME = ERE` rules (in config order); a rule's index
 * is its place in that list.  The exact pattern of each built-in is at
 * the top of redact.c.
 *
 * Overlaps: every rule scans the original message on its own, leftmost
 * match first, its matches never overlapping each other.  Overlapping
 * matches of different rules are merged into one span; a span becomes
 * one marker, "[REDACTED:NAME]" or, with a key, "[REDACTED:NAME:HASH]",
 * HASH the first 16 lowercase hex digits of HMAC-SHA256(key, the span's
 * bytes), NAME the earliest rule in the list among those that matched
 * in it.  Spans that only touch stay two markers.
 *
 * Invariant: every byte a rule matched is inside a marker; a byte no
 * rule matched is kept, in order, unless a bound below joins spans over
 * it.  Since a marker changes what lies beside it, the rules then run
 * again over the text with plain markers until every match any rule
 * finds there lies inside one marker (a match reaching out of its
 * marker widens the spans, or joins the markers it covers; at most
 * REDACT_PASSES_MAX runs, else the whole message becomes one marker).
 * So, without a key, redacting the output again finds nothing outside
 * the markers; with built-ins only (none matches inside a plain
 * marker) it finds nothing and hands the output back as it is.  With a
 * key the spans are the same unless a bound joins more (keyed markers
 * are longer), but a hash's digits may read as, say, a card number.
 *
 * UTF-8: bytes outside the spans are never changed.  The built-ins'
 * matches begin and end next to ASCII bytes (or at the message's end),
 * so they split no sequence; a custom regex matches bytes and may: what
 * is left of the sequence is kept as it is (record.c repairs it).
 *
 * Bounds: a message of len bytes gives at most REDACT_OUT_MAX(len)
 * bytes; when its markers would need more, spans close to each other
 * are joined, the bytes between them masked too.  At most
 * REDACT_MAX_SPANS spans a message: past that, a new span is joined to
 * its nearest neighbour.  Either way more is masked, never less.
 *
 * Counts: counts[i] += the matches rule i found in the message (before
 * merging), plus those a later run found that widened a span.
 */
#ifndef SIDELOG_REDACT_H
#define SIDELOG_REDACT_H

#include <stddef.h>
#include <stdint.h>

#define REDACT_MAX_RULES	32
#define REDACT_NAME_MAX		32	/* bytes of a rule's name */
#define REDACT_HASH_DIGITS	16	/* hex digits of the keyed hash */
#define REDACT_MAX_SPANS	1024	/* separate spans in one message */
#define REDACT_PASSES_MAX	4	/* runs over the masked text */
/* The longest marker: "[REDACTED:" NAME ":" HASH "]". */
#define REDACT_MARKER_MAX	(10 + REDACT_NAME_MAX + 1 + \
				    REDACT_HASH_DIGITS + 1)
/* The most redact_apply returns for a message of len bytes. */
#define REDACT_OUT_MAX(len)	(2 * (size_t)(len) + REDACT_MARKER_MAX)

struct config_pair;
struct redact;

/*
 * builtins: names, comma-separated ("" or NULL: none).  custom: ncustom
 * pairs, key the NAME of redact.NAME (lowercase letters, digits and _,
 * not starting with a digit, at most REDACT_NAME_MAX bytes), value a
 * POSIX extended regex.  NULL on error, with one phrase in err
 * ("unknown rule \"emial\"", "redact.foo: <regerror text>").
 */
struct redact	*redact_new(const char *builtins,
		    const struct config_pair *custom, int ncustom,
		    char *err, size_t errlen);
void		 redact_free(struct redact *);	/* NULL is fine */
/* key NULL or keylen 0: plain markers; else keyed hashes (the key is
 * not referred to after).  0, or -1 when memory ran out (the old key
 * is kept). */
int		 redact_set_key(struct redact *, const unsigned char *key,
		    size_t keylen);
int		 redact_nrules(const struct redact *);
const char	*redact_rule_name(const struct redact *, int i);
/*
 * msg with every match replaced.  msg itself (*outlen = len) when
 * nothing matched; else a buffer the redact owns, valid until the next
 * call, *outlen <= REDACT_OUT_MAX(len).  NULL when memory ran out.
 * msg may hold any bytes, NULs too; counts has redact_nrules() entries.
 */
const char	*redact_apply(struct redact *, const char *msg, size_t len,
		    size_t *outlen, uint64_t *counts);
/*
 * Bytes it holds now, for the budget: the object (about 60 KiB, its
 * span tables) and three buffers, each grown to what the longest
 * message so far needed and kept: at most REDACT_OUT_MAX(len) + 1.
 */
size_t		 redact_memory(const struct redact *);

#endif
