/*
 * fuzz_timestamp.c: an event's time field (time.key) in each
 * time.format.  The first byte picks the format: below 0xe0 one of the
 * named formats or a pattern of a fixed set; from 0xe0 the next 8 bytes
 * are a time to write; from 0xf0 the input brings its own pattern, up to
 * a NUL.  Whatever parses must be written as RFC 3339 of the expected
 * shape, 6 fraction digits or 9, and read back strictly and in auto to
 * the same nanosecond; what rfc3339 takes, auto takes alike.
 */
#include <string.h>

#include "fuzz.h"
#include "timestamp.h"

#define OWN_PATTERN_MAX	256

static const char *const patterns[] = {
	"%d/%b/%Y:%H:%M:%S %z",
	"%Y-%m-%d %H:%M:%S",
	"%Y-%m-%dT%H:%M:%S.%f%z",
	"%a, %d %b %Y %T %Z",
	"%b %e %Y %I:%M:%S %p",
	"%s.%f",
	"%Y %j %R",
	"%D %T,%f",
};
#define NPATTERNS	(sizeof(patterns) / sizeof(patterns[0]))

/* out[0,n) is YYYY-MM-DDThh:mm:ss.ffffff[fff]Z. */
static int
shape_ok(const char *out, size_t n)
{
	static const char tpl[] = "dddd-dd-ddTdd:dd:dd.ddddddddd";
	size_t		 i;

	if (n != 27 && n != 30)
		return 0;
	for (i = 0; i < n - 1; i++)
		if (tpl[i] == 'd' ? out[i] < '0' || out[i] > '9' :
		    out[i] != tpl[i])
			return 0;
	return out[n - 1] == 'Z' && out[n] == '\0';
}

/* ns written, then read back the same in both formats that take it. */
static void
check_written(uint64_t ns)
{
	char		 out[TIMESTAMP_MAX];
	uint64_t	 back;
	size_t		 n;

	n = timestamp_format(ns, out);
	FUZZ_CHECK(n < TIMESTAMP_MAX && shape_ok(out, n));
	FUZZ_CHECK((n == 30) == (ns % 1000 != 0));
	FUZZ_CHECK(timestamp_parse(TIMESTAMP_RFC3339, NULL, out, n, &back) ==
	    0 && back == ns);
	FUZZ_CHECK(timestamp_parse(TIMESTAMP_AUTO, NULL, out, n, &back) ==
	    0 && back == ns);
}

static void
own_pattern(const char *p, size_t size)
{
	char		 pat[OWN_PATTERN_MAX];
	const char	*nul = memchr(p, '\0', size);
	uint64_t	 ns;
	size_t		 plen;

	if (nul == NULL)
		return;
	plen = (size_t)(nul - p);
	if (plen >= sizeof(pat))
		return;
	memcpy(pat, p, plen);
	pat[plen] = '\0';
	if (timestamp_fmt_of(pat, NULL) != TIMESTAMP_PATTERN)
		return;
	if (timestamp_parse(TIMESTAMP_PATTERN, pat, nul + 1,
	    size - plen - 1, &ns) == 0)
		check_written(ns);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data + 1, *pat;
	uint64_t	 ns, again;
	unsigned	 b;
	int		 fmt, i;

	if (size == 0)
		return 0;
	b = data[0];
	if (b >= 0xf0) {
		own_pattern(p, size - 1);
		return 0;
	}
	if (b >= 0xe0) {
		if (size < 9)
			return 0;
		for (ns = 0, i = 0; i < 8; i++)
			ns = ns << 8 | data[1 + i];
		check_written(ns);
		return 0;
	}
	fmt = (int)(b % (TIMESTAMP_PATTERN + 1));
	pat = patterns[b / (TIMESTAMP_PATTERN + 1) % NPATTERNS];
	FUZZ_CHECK(timestamp_fmt_of(pat, NULL) == TIMESTAMP_PATTERN);
	if (timestamp_parse(fmt, pat, p, size - 1, &ns) == -1)
		return 0;
	check_written(ns);
	if (fmt == TIMESTAMP_RFC3339)
		FUZZ_CHECK(timestamp_parse(TIMESTAMP_AUTO, NULL, p, size - 1,
		    &again) == 0 && again == ns);
	return 0;
}
