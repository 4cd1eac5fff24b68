/*
 * fuzz_ere.c: a filter's pattern and a line.  ere_match() answers as
 * regexec() (REG_EXTENDED | REG_NOSUB) does on the line up to its first
 * NUL, whenever regcomp() takes the pattern.
 *
 * The input's first byte picks how the pattern is made: below 0xf0 it
 * is built from a small grammar of the fast path's subset, the bytes
 * after choosing branches, anchors, atoms and quantifiers, each
 * choice a byte; from 0xf0 the pattern is the bytes that follow up to a
 * NUL, as written, when it has at most RAW_QUANTS quantifier bytes:
 * glibc's regcomp copies its tree for each quantifier stacked on
 * another (a++++...), and runs out of memory long before ere.c is
 * asked anything.  Whatever is left is the line.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "ere.h"
#include "fuzz.h"

#define PAT_MAX		512
#define RAW_QUANTS	6	/* quantifier bytes in a raw pattern */

static const char *const atoms[] = { "a", "b", "-", "]", "x", " ", "\n",
    ".", "[ab]", "[^a]", "[]a]", "[a-c]", "[[:alpha:]]", "[^[:space:]]",
    "[-a]", "[a-]", "\\.", "\\s", "\\W", "\\$", "(a|ab)", "(b|a-|xa)",
    "[[:digit:]]", "0", "[^]b]", "\\w" };
static const char *const quants[] = { "", "", "", "*", "+", "?", "{2}",
    "{0,2}", "{1,}", "{0}", "{2,3}" };

struct in {
	const uint8_t	*p;
	size_t		 n;
};

static unsigned
take(struct in *in, unsigned mod)
{
	unsigned	 v = 0;

	if (in->n > 0) {
		v = *in->p++;
		in->n--;
	}
	return v % mod;
}

static void
append(char *pat, size_t *len, const char *s)
{
	size_t	 n = strlen(s);

	if (*len + n < PAT_MAX) {
		memcpy(pat + *len, s, n);
		*len += n;
		pat[*len] = '\0';
	}
}

static void
build(struct in *in, char *pat)
{
	size_t		 len = 0;
	unsigned	 nbr = 1 + take(in, 3), nat, flags, i, j;

	pat[0] = '\0';
	for (i = 0; i < nbr; i++) {
		if (i > 0)
			append(pat, &len, "|");
		flags = take(in, 4);
		if (flags & 1)
			append(pat, &len, "^");
		nat = 1 + take(in, 5);
		for (j = 0; j < nat; j++) {
			append(pat, &len, atoms[take(in,
			    sizeof(atoms) / sizeof(atoms[0]))]);
			append(pat, &len, quants[take(in,
			    sizeof(quants) / sizeof(quants[0]))]);
		}
		if (flags & 2)
			append(pat, &len, "$");
	}
}

/* 0, or -1 when the pattern is one to keep from regcomp(). */
static int
raw(struct in *in, char *pat)
{
	size_t	 n = 0;
	int	 nq = 0;

	while (in->n > 0 && n < PAT_MAX - 1) {
		in->n--;
		if ((pat[n++] = (char)*in->p++) == '\0')
			break;
		if (strchr("*+?{", pat[n - 1]) != NULL)
			nq++;
	}
	pat[n] = '\0';
	return nq > RAW_QUANTS ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in	 in = { data, size };
	char		 pat[PAT_MAX], *cbuf;
	struct ere	*e;
	regex_t		 rx;
	int		 want, got;

	if (size == 0)
		return 0;
	in.n--;
	if (*in.p++ < 0xf0)
		build(&in, pat);
	else if (raw(&in, pat) == -1)
		return 0;
	if (regcomp(&rx, pat, REG_EXTENDED | REG_NOSUB) != 0) {
		FUZZ_CHECK(ere_new(pat) == NULL);
		return 0;
	}
	cbuf = malloc(in.n + 1);
	e = ere_new(pat);
	FUZZ_CHECK(cbuf != NULL && e != NULL);
	memcpy(cbuf, in.p, in.n);
	cbuf[in.n] = '\0';
	want = regexec(&rx, cbuf, 0, NULL, 0) == 0;
	got = ere_match(e, (const char *)in.p, in.n, cbuf);
	FUZZ_CHECK(got == want);
	ere_free(e);
	regfree(&rx);
	free(cbuf);
	return 0;
}
