/*
 * test_ere.c: the filters' matcher: which patterns the fast path takes,
 * a table of lines each pattern matches or not, and the fast path
 * against this build's regexec() (musl's or glibc's) on random lines
 * made to match often, NUL bytes and newlines among them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ere.h"

#define LINES_EACH	20000	/* random lines per pattern */
#define LINE_MAX_LEN	40
#define HOSTILE_LEN	(4 * 1024 * 1024)

static char	 cbuf[HOSTILE_LEN + 1];

static int
matches(const char *pattern, const char *s, size_t len)
{
	struct ere	*e = ere_new(pattern);
	int		 m;

	assert_non_null(e);
	m = ere_match(e, s, len, cbuf);
	ere_free(e);
	return m;
}

static int
is_fast(const char *pattern)
{
	struct ere	*e = ere_new(pattern);
	int		 f;

	assert_non_null(e);
	f = ere_is_fast(e);
	ere_free(e);
	return f;
}

static void
test_common_filters_take_the_fast_path(void **state)
{
	static const char *const fast[] = { "GET /healthz", "status=[0-9]+ ",
	    "level=(warn|error)", "^[0-9]{4}-[0-9]{2}-[0-9]{2}", "^\\s",
	    "^[[:space:]]", "^\\S", "(debug|trace)$", "[Hh]ealth",
	    "kube-probe/", "^(INFO|WARN|ERROR) ", "\\.(css|js|png)\"",
	    "dur_ms=[0-9]{4,}", "x{0}", "^$", "a|b$", "[]a-]", "\\w+=\\S" };
	size_t	 i;

	for (i = 0; i < sizeof(fast) / sizeof(fast[0]); i++)
		if (!is_fast(fast[i]))
			fail_msg("not fast: %s", fast[i]);
}

/* Those this libc's regcomp() refuses (musl: [[.a.]], [[=a=]] and
 * counts over 255) are skipped. */
static void
test_the_rest_falls_back_to_regexec(void **state)
{
	struct ere	*e;
	static const char *const slow[] = { "(a)\\1", "(ab)+", "((a))",
	    "(a|)", "a||b", "[[.a.]]", "[[=a=]]", "\\d", "\\n", "[\\]]",
	    "a**", "a{1}{2}", "\xc3\xa9", "a{0,256}", "x{65}", "}", "]",
	    "(^a)", "a^", "$a", "()", "[]-a]", "(a(b|c))" };
	size_t	 i;

	for (i = 0; i < sizeof(slow) / sizeof(slow[0]); i++) {
		e = ere_new(slow[i]);
		if (e != NULL && ere_is_fast(e))
			fail_msg("fast, should not be: %s", slow[i]);
		ere_free(e);
	}
}

struct row {
	const char	*pattern;
	const char	*yes[4];
	const char	*no[4];
};

static void
test_a_table_of_lines_each_pattern_matches_or_not(void **state)
{
	static const struct row rows[] = {
	    { "GET /healthz", { "x GET /healthz 200", "GET /healthz" },
	      { "GET /health", "get /healthz", "" } },
	    { "status=[0-9]+ ", { "a status=200 b", "status=5 " },
	      { "status=200", "status= 200 ", "status=x " } },
	    { "level=(warn|error)", { "level=warn", "a level=errors" },
	      { "level=info", "level=err", "level=" } },
	    { "^[0-9]{4}-[0-9]{2}-[0-9]{2}", { "2026-12-03T1", "1999-01-01" },
	      { " 2026-12-03", "2026-1-03", "x" } },
	    { "(debug|trace)$", { "level=debug", "trace" },
	      { "debug ", "tracer", "" } },
	    { "[Hh]ealth", { "Health", "unhealthy" }, { "HEALTH", "heal" } },
	    { "^\\s", { " at x", "\tat x", "\n" }, { "at x", "" } },
	    { "a*", { "", "b", "aaa" }, { NULL } },
	    { "^$", { "" }, { "a", "\n" } },
	    { "a.c", { "abc", "a\nc" }, { "ac", "a\xc3" } },
	    { "[]a-]", { "]", "-", "a" }, { "b", "" } },
	    { "[^]a]", { "b", "\n" }, { "]]a", "" } },
	    { "^a|b$", { "ax", "xb" }, { "xa", "bx" } },
	    { "ab{2,3}c", { "abbc", "abbbc" }, { "abc", "abbbbc" } },
	};
	size_t	 i, j;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (j = 0; j < 4 && rows[i].yes[j] != NULL; j++)
			if (!matches(rows[i].pattern, rows[i].yes[j],
			    strlen(rows[i].yes[j])))
				fail_msg("%s should match \"%s\"",
				    rows[i].pattern, rows[i].yes[j]);
		for (j = 0; j < 4 && rows[i].no[j] != NULL; j++)
			if (matches(rows[i].pattern, rows[i].no[j],
			    strlen(rows[i].no[j])))
				fail_msg("%s should not match \"%s\"",
				    rows[i].pattern, rows[i].no[j]);
	}
}

static void
test_a_line_is_matched_up_to_its_first_nul(void **state)
{
	assert_false(matches("GET /healthz", "x\0GET /healthz", 14));
	assert_true(matches("GET /healthz", "GET /healthz\0x", 14));
	assert_true(matches("x$", "ax\0b", 4));
	assert_false(matches("b$", "ax\0b", 4));
	assert_true(matches("^$", "\0abc", 4));
	assert_false(matches("a.b", "a\0b", 3));
	assert_false(matches("[^x]", "\0", 1));
}

/* Lines an app writes to make the matcher slow: many near misses and
 * overlapping literals, megabytes long.  Linear: this returns. */
static void
test_hostile_lines_cost_a_pass(void **state)
{
	static const char *const pats[] = { "status=[0-9]+ ", "a.*b.*c$",
	    "(aa|aaa)aab", "^[ab]*c", "x[^y]*y", "a{0,30}b",
	    "[ax]{3}[0-9]" };
	char	*line = malloc(HOSTILE_LEN);
	size_t	 i, j;

	assert_non_null(line);
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		for (j = 0; j < HOSTILE_LEN; j++)
			line[j] = i == 0 ? "status=1"[j % 8] : "axa"[j % 3];
		assert_true(is_fast(pats[i]));
		assert_false(matches(pats[i], line, HOSTILE_LEN));
	}
	free(line);
}

/* --- the differential test ---------------------------------------------- */

/* Each pattern with an example that matches, spliced into the random
 * lines so that matches are frequent. */
static const struct {
	const char	*pattern, *example;
} diff[] = {
	{ "GET /healthz", "GET /healthz" },
	{ "status=[0-9]+ ", "status=200 " },
	{ "level=(warn|error)", "level=error" },
	{ "^[0-9]{4}-[0-9]{2}-[0-9]{2}", "2026-12-03" },
	{ "(debug|trace)$", "debug" },
	{ "[Hh]ealth", "Health" },
	{ "^\\s", " " }, { "^\\S", "a" }, { "\\w+=\\W", "a=-" },
	{ "a*", "a" }, { "x{0}", "x" }, { "ax{0}b", "ab" }, { "^", "" },
	{ "$", "" }, { "^$", "" }, { "^a*$", "aa" }, { "a+", "a" },
	{ "ab*", "ab" }, { "ab*$", "abb" }, { "^ab*", "ab" },
	{ "a?b?c?", "abc" }, { "a{2,3}", "aaa" }, { "a{2,}b", "aab" },
	{ "a{0,2}b", "ab" }, { "b{3}", "bbb" }, { "ab{1,3}c", "abbc" },
	{ "[]a]", "]" }, { "[^]a]", "b" }, { "[a-]", "-" }, { "[-a]b", "-b" },
	{ "[^-a]", "b" }, { "[]-]x", "]x" }, { "[a-c][x-z]*$", "bxy" },
	{ ".", "a" }, { "a.b", "a\nb" }, { "a.*b", "axxb" }, { "^.*$", "" },
	{ "^.$", "a" }, { "a.?b", "ab" }, { "a$|^b", "ba" },
	{ "^a|b$", "ab" }, { "ab|ba", "ba" }, { "a|b|c", "c" },
	{ "(ab|a)(c|bc)", "abc" }, { "(aa|a)a", "aa" },
	{ "(a|ab)(c|bcd)$", "abcd" }, { "(a|b)$", "b" }, { "^(a|b)", "a" },
	{ "ba*$", "baa" }, { "[0-9]+ms", "12ms" }, { "x*y+z?", "yz" },
	{ "abab", "abab" }, { "aba", "aba" }, { "[[:alpha:]]+[[:digit:]]",
	  "ab1" }, { "[[:space:]]x", "\tx" }, { "[[:punct:]]", "." },
	{ "[^[:alnum:]]", "-" }, { "[[:upper:]][[:lower:]]", "Ab" },
	{ "[[:xdigit:]]{2}", "fA" }, { "[[:blank:]]", " " },
	{ "[[:cntrl:]]", "\n" }, { "[[:print:]]{2}$", "a " },
	{ "[[:graph:]] ", "a " }, { "x\\.y", "x.y" }, { "\\$", "$" },
	{ "\\^a", "^a" }, { "a\\|b", "a|b" }, { "\\(a\\)", "(a)" },
	{ "a\nb", "a\nb" }, { "[\n]", "\n" }, { "[^\n]+$", "a" },
	{ "^(GET|POST) /a", "POST /a" }, { "(a|b)(c|d)(e|f)", "bde" },
	{ "warn|error", "error" }, { "aab|ab", "aab" },
	{ "a{0,3}$", "" }, { "^x?y?$", "y" }, { ".{3}", "abc" },
	/* outside the subset: regexec() either way */
	{ "(ab)+", "abab" }, { "(a)\\1", "aa" },
};

static uint64_t	 rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rand32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* A random line of the pattern's bytes and a few others, pieces of the
 * example spliced in. */
static size_t
random_line(const char *pattern, const char *example, char *s)
{
	static const char	 extra[] = "ab xyz09-]\n\\\xe9\x80";
	size_t			 n = 0, want = rand32() % LINE_MAX_LEN;
	size_t			 plen = strlen(pattern);
	size_t			 elen = strlen(example);
	size_t			 k, from;
	uint32_t		 r;

	while (n < want) {
		r = rand32() % 100;
		if (r < 2)
			s[n++] = '\0';
		else if (r < 20 && elen > 0) {
			from = rand32() % elen;
			k = 1 + rand32() % (elen - from);
			if (r < 12)
				from = 0, k = elen;
			if (n + k > LINE_MAX_LEN)
				break;
			memcpy(s + n, example + from, k);
			n += k;
		} else if (r < 60)
			s[n++] = pattern[rand32() % plen];
		else
			s[n++] = extra[rand32() % (sizeof(extra) - 1)];
	}
	return n;
}

static void
test_the_fast_path_answers_as_regexec_does(void **state)
{
	char		 s[LINE_MAX_LEN + 1], c[LINE_MAX_LEN + 1];
	struct ere	*e;
	regex_t		 rx;
	size_t		 i, n, yes;
	int		 j, want, got, nfast = 0;

	for (i = 0; i < sizeof(diff) / sizeof(diff[0]); i++) {
		e = ere_new(diff[i].pattern);
		assert_non_null(e);
		nfast += ere_is_fast(e);
		assert_int_equal(regcomp(&rx, diff[i].pattern,
		    REG_EXTENDED | REG_NOSUB), 0);
		for (j = 0, yes = 0; j < LINES_EACH; j++) {
			n = random_line(diff[i].pattern, diff[i].example, s);
			memcpy(c, s, n);
			c[n] = '\0';
			want = regexec(&rx, c, 0, NULL, 0) == 0;
			got = ere_match(e, s, n, cbuf);
			if (got != want)
				fail_msg("%s on \"%.*s\" (%zu bytes): %d, "
				    "regexec %d", diff[i].pattern, (int)n, s,
				    n, got, want);
			yes += want;
		}
		/* Else the lines tell nothing of this pattern. */
		if (yes == 0)
			fail_msg("%s: no line matched", diff[i].pattern);
		regfree(&rx);
		ere_free(e);
	}
	print_message("%zu patterns (%d fast) x %d lines\n",
	    sizeof(diff) / sizeof(diff[0]), nfast, LINES_EACH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_common_filters_take_the_fast_path),
		cmocka_unit_test(test_the_rest_falls_back_to_regexec),
		cmocka_unit_test(
		    test_a_table_of_lines_each_pattern_matches_or_not),
		cmocka_unit_test(test_a_line_is_matched_up_to_its_first_nul),
		cmocka_unit_test(test_hostile_lines_cost_a_pass),
		cmocka_unit_test(test_the_fast_path_answers_as_regexec_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
