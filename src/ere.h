/*
 * ere.h: whether a POSIX extended regex matches a line, for the filters
 * (include_lines, exclude_lines) and multiline.start: a yes or a no, no
 * captures.  The answer is regexec()'s, REG_EXTENDED without REG_ICASE
 * or REG_NEWLINE, in the C locale, on the line as a C string (up to its
 * first NUL byte), in both builds (musl's TRE, glibc).
 *
 * The fast path takes a subset and matches it without regexec():
 *   - top-level alternatives a|b|c, none empty;
 *   - in each, an optional ^ first and an optional $ last;
 *   - atoms: a byte below 0x80 that is not special; \ before one of
 *     . [ ] ( ) * + ? { } | ^ $ \ (that byte); \s \S \w \W (which both
 *     libcs read as [[:space:]], [^[:space:]], [[:alnum:]_],
 *     [^[:alnum:]_]); . (any byte but NUL, newline included);
 *     bracket expressions: bytes below 0x80, ranges a-z (low <= high,
 *     neither end - nor a class), ^ negation (newline included), ] first
 *     literal, - first or last literal, the twelve classes [:alpha:]
 *     [:digit:] [:alnum:] [:space:] [:upper:] [:lower:] [:punct:]
 *     [:xdigit:] [:blank:] [:cntrl:] [:print:] [:graph:] with their C
 *     locale meaning (no byte >= 0x80 in any);
 *   - at most one quantifier on an atom: * + ? {m} {m,} {m,n}
 *     (m <= n <= 255; {0} is the empty string);
 *   - a group (x|y|...) without a quantifier, each alternative a
 *     non-empty sequence of quantified atoms (no group, no anchor);
 *   - once every group is expanded into its alternatives, at most 64
 *     positions and ends (ERE_POSITIONS): `x{3,5}` is five positions.
 * Anything else, or anything unsure (\d and \n differ between musl and
 * glibc; [\]], [.x.], [=x=], back-references, } or ] outside a bracket,
 * bytes >= 0x80, a group quantified), goes to regexec().
 *
 * Cost: linear, with no budget to run out of.  The pattern becomes one
 * bit-parallel Glushkov automaton (a word of positions, extended
 * shift-and with optional and repeated positions), a few word
 * operations a byte whatever the line, and the bytes it steps over are
 * found by searching each branch's longest required literal
 * (memchr() on its rarest byte, then memcmp()): a line without it costs
 * a scan.  A pattern whose branches all end in $ looks only at the end
 * of the line.  Worst case, O(len * (1 + sum of the literals' lengths)).
 */
#ifndef SIDELOG_ERE_H
#define SIDELOG_ERE_H

#include <stddef.h>

#define ERE_POSITIONS	64	/* automaton positions, one word */

struct ere;

/* pattern: checked by the config already.  NULL when memory ran out or
 * regcomp() refused it.  The regcomp(REG_EXTENDED | REG_NOSUB) form is
 * always kept, for what the fast path does not take. */
struct ere	*ere_new(const char *pattern);
void		 ere_free(struct ere *);	/* NULL is fine */
/* 1 when the pattern matches somewhere in the C string s[0, len) up to
 * its first NUL, 0 when not.  cbuf: len + 1 bytes for regexec()'s copy
 * of it, used only when the fast path does not take the pattern. */
int		 ere_match(const struct ere *, const char *s, size_t len,
		    char *cbuf);
/* Whether the fast path took the pattern. */
int		 ere_is_fast(const struct ere *);

#endif
