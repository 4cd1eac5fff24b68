/*
 * test_value.c: the parsers of single configuration values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "value.h"

static char	 err[VALUE_ERRLEN];

static uint64_t
size_of(const char *s)
{
	uint64_t	 n = 0;

	assert_int_equal(value_size(s, &n, err), 0);
	return n;
}

static uint64_t
ms_of(const char *s)
{
	uint64_t	 n = 0;

	assert_int_equal(value_duration(s, &n, err), 0);
	return n;
}

static void
test_size_units_are_powers_of_1024(void **state)
{
	assert_int_equal(size_of("0"), 0);
	assert_int_equal(size_of("512"), 512);
	assert_int_equal(size_of("512b"), 512);
	assert_int_equal(size_of("64k"), 65536);
	assert_int_equal(size_of("64K"), 65536);
	assert_int_equal(size_of("64KiB"), 65536);
	assert_int_equal(size_of("64kb"), 65536);
	assert_int_equal(size_of("10m"), 10485760);
	assert_int_equal(size_of("1g"), 1073741824ULL);
	assert_int_equal(size_of("16G"), 17179869184ULL);
}

static void
test_size_rejects_junk_fractions_and_overflow(void **state)
{
	static const char	*bad[] = { "", "k", "10x", "1.5m", "-1", " 1k",
	    "1k ", "64ki", "1kk", "1t", "99999999999999999999",
	    "18014398509481984k" };
	uint64_t		 n;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(value_size(bad[i], &n, err), -1);
	value_size("10x", &n, err);
	assert_string_equal(err, "expected a size such as 512, 64k, 10m or "
	    "1g (powers of 1024), got \"10x\"");
	value_size("18014398509481984k", &n, err);
	assert_string_equal(err, "size too large");
}

static void
test_duration_units(void **state)
{
	assert_int_equal(ms_of("0"), 0);
	assert_int_equal(ms_of("0s"), 0);
	assert_int_equal(ms_of("500ms"), 500);
	assert_int_equal(ms_of("10s"), 10000);
	assert_int_equal(ms_of("5m"), 300000);
	assert_int_equal(ms_of("2h"), 7200000);
}

static void
test_duration_needs_a_unit_except_zero(void **state)
{
	static const char	*bad[] = { "", "10", "1.5s", "s", "10 s",
	    "10sec", "1d", "-1s", "10S" };
	uint64_t		 n;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(value_duration(bad[i], &n, err), -1);
	value_duration("10", &n, err);
	assert_string_equal(err, "expected a duration such as 500ms, 10s, 5m "
	    "or 1h, got \"10\"");
}

static void
test_bool_words(void **state)
{
	static const char	*yes[] = { "true", "yes", "on", "1", "TRUE",
	    "Yes" };
	static const char	*no[] = { "false", "no", "off", "0", "OFF" };
	size_t			 i;
	int			 b;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = 0;
		assert_int_equal(value_bool(yes[i], &b, err), 0);
		assert_int_equal(b, 1);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = 1;
		assert_int_equal(value_bool(no[i], &b, err), 0);
		assert_int_equal(b, 0);
	}
	assert_int_equal(value_bool("maybe", &b, err), -1);
	assert_string_equal(err, "expected true/false, yes/no, on/off or 1/0, "
	    "got \"maybe\"");
	assert_int_equal(value_bool("", &b, err), -1);
}

static void
test_uint_rejects_signs_and_junk(void **state)
{
	uint64_t	 n;

	assert_int_equal(value_uint("42", &n, err), 0);
	assert_int_equal(n, 42);
	assert_int_equal(value_uint("+1", &n, err), -1);
	assert_int_equal(value_uint("1e3", &n, err), -1);
	assert_int_equal(value_uint("", &n, err), -1);
	assert_int_equal(value_uint("18446744073709551616", &n, err), -1);
	assert_string_equal(err, "number too large");
}

static const char *
expand(const char *s)
{
	static char	 out[VALUE_MAXLEN];

	assert_int_equal(value_expand(s, out, sizeof(out), err), 0);
	return out;
}

static void
test_expand_variables_and_defaults(void **state)
{
	setenv("SL_A", "alpha", 1);
	setenv("SL_EMPTY", "", 1);
	unsetenv("SL_UNSET");
	assert_string_equal(expand("plain"), "plain");
	assert_string_equal(expand("${SL_A}"), "alpha");
	assert_string_equal(expand("x-${SL_A}-y"), "x-alpha-y");
	assert_string_equal(expand("${SL_A}${SL_A}"), "alphaalpha");
	assert_string_equal(expand("${SL_UNSET:-dflt}"), "dflt");
	assert_string_equal(expand("${SL_UNSET:-}"), "");
	assert_string_equal(expand("${SL_A:-dflt}"), "alpha");
	/* Set but empty takes the default too, as in the shell's ":-". */
	assert_string_equal(expand("${SL_EMPTY:-dflt}"), "dflt");
	assert_string_equal(expand("${SL_EMPTY}"), "");
	assert_string_equal(expand("${SL_UNSET:-a b:c}"), "a b:c");
}

static void
test_expand_leaves_lone_dollars_and_escapes(void **state)
{
	assert_string_equal(expand("^\\d+$"), "^\\d+$");
	assert_string_equal(expand("cost: $5"), "cost: $5");
	assert_string_equal(expand("$${HOME}"), "${HOME}");
	assert_string_equal(expand("$$"), "$$");
}

static void
test_expand_errors(void **state)
{
	char	 out[64];

	unsetenv("SL_UNSET");
	assert_int_equal(value_expand("${SL_UNSET}", out, sizeof(out), err),
	    -1);
	assert_string_equal(err, "environment variable SL_UNSET is not set "
	    "(write ${SL_UNSET:-} to allow it empty)");
	assert_int_equal(value_expand("${SL_A", out, sizeof(out), err), -1);
	assert_string_equal(err, "unterminated \"${\"");
	assert_int_equal(value_expand("${}", out, sizeof(out), err), -1);
	assert_int_equal(value_expand("${1X}", out, sizeof(out), err), -1);
	assert_int_equal(value_expand("${A-B}", out, sizeof(out), err), -1);
	assert_string_equal(err, "bad variable name in \"${A-B}\" (use ${NAME} "
	    "or ${NAME:-default})");
}

/* check --offline: unset names without a default stay as written and
 * are listed; a default or a set variable still applies. */
static void
test_expand_keeps_unset_when_asked(void **state)
{
	char	 out[64], unset[16];

	setenv("SL_A", "alpha", 1);
	unsetenv("SL_UNSET");
	unsetenv("SL_U2");
	assert_int_equal(value_expand_unset("${SL_A}/${SL_UNSET}-${SL_U2:-d}",
	    out, sizeof(out), unset, sizeof(unset), err), 0);
	assert_string_equal(out, "alpha/${SL_UNSET}-d");
	assert_string_equal(unset, "SL_UNSET");
	assert_int_equal(value_expand_unset("${SL_UNSET}${SL_U2}", out,
	    sizeof(out), unset, sizeof(unset), err), 0);
	assert_string_equal(out, "${SL_UNSET}${SL_U2}");
	assert_string_equal(unset, "SL_UNSET,SL_U2");
	/* Each name once; the list is bounded: what does not fit is left
	 * out. */
	assert_int_equal(value_expand_unset("${SL_UNSET}${SL_U2}${SL_UNSET}",
	    out, sizeof(out), unset, sizeof(unset), err), 0);
	assert_string_equal(unset, "SL_UNSET,SL_U2");
	unsetenv("SL_LONGER");
	assert_int_equal(value_expand_unset("${SL_UNSET}${SL_LONGER}", out,
	    sizeof(out), unset, sizeof(unset), err), 0);
	assert_string_equal(unset, "SL_UNSET");
	/* Syntax errors stay errors. */
	assert_int_equal(value_expand_unset("${SL_A", out, sizeof(out), unset,
	    sizeof(unset), err), -1);
}

static void
test_expand_is_bounded(void **state)
{
	char	 out[8];

	setenv("SL_LONG", "0123456789", 1);
	assert_int_equal(value_expand("${SL_LONG}", out, sizeof(out), err), -1);
	assert_string_equal(err, "value longer than 7 bytes after ${VAR} "
	    "expansion");
	assert_int_equal(value_expand("01234567", out, sizeof(out), err), -1);
	assert_int_equal(value_expand("0123456", out, sizeof(out), err), 0);
}

static void
test_url_parts_and_default_ports(void **state)
{
	struct value_url	 u;

	assert_int_equal(value_url("https://logs.example.com/ingest?x=1", &u,
	    err), 0);
	assert_int_equal(u.tls, 1);
	assert_string_equal(u.host, "logs.example.com");
	assert_int_equal(u.port, 443);
	assert_string_equal(u.path, "/ingest?x=1");
	assert_int_equal(value_url("http://10.0.0.1:8123", &u, err), 0);
	assert_int_equal(u.tls, 0);
	assert_int_equal(u.port, 8123);
	assert_string_equal(u.path, "/");
	assert_int_equal(value_url("HTTPS://[::1]:9443/_bulk", &u, err), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 9443);
	assert_string_equal(u.path, "/_bulk");
	assert_int_equal(value_url("http://h?q", &u, err), 0);
	assert_string_equal(u.path, "/?q");
}

static void
test_url_rejects(void **state)
{
	struct value_url	 u;

	assert_int_equal(value_url("ftp://x", &u, err), -1);
	assert_string_equal(err, "expected an http:// or https:// URL, got "
	    "\"ftp://x\"");
	assert_int_equal(value_url("https://user:pw@host/", &u, err), -1);
	assert_string_equal(err, "credentials do not belong in the URL (use "
	    "auth.user and auth.password_file)");
	assert_int_equal(value_url("https:///x", &u, err), -1);
	assert_string_equal(err, "URL has no host");
	assert_int_equal(value_url("https://h:0/", &u, err), -1);
	assert_int_equal(value_url("https://h:65536/", &u, err), -1);
	assert_int_equal(value_url("https://h:/", &u, err), -1);
	assert_int_equal(value_url("https://h/a b", &u, err), -1);
	assert_int_equal(value_url("https://h/#frag", &u, err), -1);
	assert_int_equal(value_url("https://[::1/", &u, err), -1);
}

static void
test_hostport_for_listen(void **state)
{
	char	 host[64];
	int	 port;

	assert_int_equal(value_hostport("0.0.0.0:2020", host, sizeof(host),
	    &port, err), 0);
	assert_string_equal(host, "0.0.0.0");
	assert_int_equal(port, 2020);
	assert_int_equal(value_hostport(":2020", host, sizeof(host), &port,
	    err), 0);
	assert_string_equal(host, "");
	assert_int_equal(value_hostport("[::]:9000", host, sizeof(host), &port,
	    err), 0);
	assert_string_equal(host, "::");
	assert_int_equal(value_hostport("localhost", host, sizeof(host), &port,
	    err), -1);
	assert_int_equal(value_hostport("h:99999", host, sizeof(host), &port,
	    err), -1);
}

static void
test_format_picks_the_largest_exact_unit(void **state)
{
	char	 buf[32];

	value_format_size(65536, buf, sizeof(buf));
	assert_string_equal(buf, "64k");
	value_format_size(1073741824ULL, buf, sizeof(buf));
	assert_string_equal(buf, "1g");
	value_format_size(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1000");
	value_format_size(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	value_format_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	value_format_duration(1500, buf, sizeof(buf));
	assert_string_equal(buf, "1500ms");
	value_format_duration(90000, buf, sizeof(buf));
	assert_string_equal(buf, "90s");
	value_format_duration(3600000, buf, sizeof(buf));
	assert_string_equal(buf, "1h");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_units_are_powers_of_1024),
		cmocka_unit_test(test_size_rejects_junk_fractions_and_overflow),
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_needs_a_unit_except_zero),
		cmocka_unit_test(test_bool_words),
		cmocka_unit_test(test_uint_rejects_signs_and_junk),
		cmocka_unit_test(test_expand_variables_and_defaults),
		cmocka_unit_test(test_expand_leaves_lone_dollars_and_escapes),
		cmocka_unit_test(test_expand_errors),
		cmocka_unit_test(test_expand_keeps_unset_when_asked),
		cmocka_unit_test(test_expand_is_bounded),
		cmocka_unit_test(test_url_parts_and_default_ports),
		cmocka_unit_test(test_url_rejects),
		cmocka_unit_test(test_hostport_for_listen),
		cmocka_unit_test(test_format_picks_the_largest_exact_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
