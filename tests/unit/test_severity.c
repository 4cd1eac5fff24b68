/*
 * test_severity.c: level.key's values as OpenTelemetry severities: each
 * spelling of severity.h's table, syslog's and pino's numbers, the
 * range's name, and what is unknown.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "severity.h"

/* The SeverityNumber of s, -1 when unknown; the name checked against
 * the number's range on the way. */
static int
number_of(const char *s, size_t len)
{
	static const char *const ranges[] = { "trace", "debug", "info",
	    "warn", "error", "fatal" };
	struct severity	 sv = { "stale", 99 };
	char		*copy = malloc(len ? len : 1);
	int		 rc;

	assert_non_null(copy);
	memcpy(copy, s, len);	/* no NUL after it: ASan sees overreads */
	rc = severity_parse(copy, len, &sv);
	free(copy);
	if (rc == -1) {
		assert_null(sv.name);
		assert_int_equal(sv.number, 0);
		return -1;
	}
	assert_int_equal(rc, 0);
	assert_true(sv.number >= 1 && sv.number <= 24);
	assert_string_equal(sv.name, ranges[(sv.number - 1) / 4]);
	return sv.number;
}

static int
num(const char *s)
{
	return number_of(s, strlen(s));
}

static void
test_each_spelling_has_its_number(void **state)
{
	static const struct {
		const char	*s;
		int		 number;
	} t[] = {
		{ "trace", 1 }, { "trc", 1 }, { "trce", 1 }, { "finest", 1 },
		{ "t", 1 },
		{ "debug", 5 }, { "dbg", 5 }, { "dbug", 5 }, { "d", 5 },
		{ "finer", 5 }, { "verbose", 5 }, { "vrb", 5 },
		{ "fine", 6 }, { "config", 7 },
		{ "info", 9 }, { "inf", 9 }, { "information", 9 },
		{ "informational", 9 }, { "i", 9 },
		{ "notice", 10 },
		{ "warn", 13 }, { "warning", 13 }, { "wrn", 13 }, { "w", 13 },
		{ "error", 17 }, { "err", 17 }, { "severe", 17 },
		{ "fail", 17 }, { "e", 17 },
		{ "crit", 18 }, { "critical", 18 }, { "dpanic", 18 },
		{ "alert", 19 }, { "panic", 19 },
		{ "fatal", 21 }, { "ftl", 21 }, { "emerg", 21 },
		{ "emergency", 21 }, { "f", 21 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(num(t[i].s), t[i].number);
}

static void
test_case_does_not_matter(void **state)
{
	assert_int_equal(num("INFO"), 9);
	assert_int_equal(num("Warning"), 13);
	assert_int_equal(num("eRRoR"), 17);
	assert_int_equal(num("SEVERE"), 17);
	assert_int_equal(num("CRITICAL"), 18);
	assert_int_equal(num("DPanic"), 18);
	assert_int_equal(num("Information"), 9);
}

/* glog and klog write "I0229 12:00:00.000000 ..."; the level is the
 * letter. */
static void
test_glog_letters(void **state)
{
	assert_int_equal(num("I"), 9);
	assert_int_equal(num("W"), 13);
	assert_int_equal(num("E"), 17);
	assert_int_equal(num("F"), 21);
	assert_int_equal(num("D"), 5);
	assert_int_equal(num("T"), 1);
	assert_int_equal(num("X"), -1);
	assert_int_equal(num("V"), -1);
}

static void
test_syslog_severity_numbers(void **state)
{
	static const int want[] = { 21, 19, 18, 17, 13, 10, 9, 5 };
	char	 s[2];
	int	 i;

	for (i = 0; i < 8; i++) {
		s[0] = (char)('0' + i);
		assert_int_equal(number_of(s, 1), want[i]);
	}
	assert_int_equal(num("8"), -1);
	assert_int_equal(num("9"), -1);
}

static void
test_pino_and_bunyan_numbers(void **state)
{
	assert_int_equal(num("10"), 1);
	assert_int_equal(num("20"), 5);
	assert_int_equal(num("30"), 9);
	assert_int_equal(num("40"), 13);
	assert_int_equal(num("50"), 17);
	assert_int_equal(num("60"), 21);
	assert_int_equal(num("00"), -1);
	assert_int_equal(num("35"), -1);
	assert_int_equal(num("70"), -1);
	assert_int_equal(num("100"), -1);
	assert_int_equal(num("30.0"), -1);
	assert_int_equal(num("-10"), -1);
}

static void
test_opentelemetry_short_names_with_a_step(void **state)
{
	assert_int_equal(num("TRACE2"), 2);
	assert_int_equal(num("trace4"), 4);
	assert_int_equal(num("DEBUG3"), 7);
	assert_int_equal(num("INFO2"), 10);
	assert_int_equal(num("WARN4"), 16);
	assert_int_equal(num("ERROR2"), 18);
	assert_int_equal(num("FATAL4"), 24);
	assert_int_equal(num("info1"), -1);
	assert_int_equal(num("info5"), -1);
	assert_int_equal(num("warning2"), -1);
	assert_int_equal(num("2"), 18);	/* syslog's crit, not a step */
}

static void
test_blanks_around_are_ignored(void **state)
{
	assert_int_equal(num("INFO "), 9);
	assert_int_equal(num(" warn"), 13);
	assert_int_equal(num("\terror\t "), 17);
	assert_int_equal(num(" 30 "), 9);
	assert_int_equal(num("in fo"), -1);
}

static void
test_unknown_values(void **state)
{
	static const char *const bad[] = { "", " ", "\t", "information2",
	    "infos", "inform", "warnings", "errors", "fatality", "debugging",
	    "level", "off", "all", "none", "null", "true", "0x1", "+3",
	    "1 0", "informational messages", "[INFO]", "INFO:",
	    "informationalinformational" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(num(bad[i]), -1);
}

/* A NUL ends nothing: "info\0x" is not "info", nor "3\0" three. */
static void
test_a_nul_inside_is_unknown(void **state)
{
	assert_int_equal(number_of("info\0x", 6), -1);
	assert_int_equal(number_of("info\0", 5), -1);
	assert_int_equal(number_of("3\0", 2), -1);
	assert_int_equal(number_of("\0", 1), -1);
	assert_int_equal(number_of("info", 4), 9);
}

/* Only len bytes are looked at. */
static void
test_only_len_bytes_are_read(void **state)
{
	assert_int_equal(number_of("infox", 4), 9);
	assert_int_equal(number_of("warning", 4), 13);
	assert_int_equal(number_of("30", 1), 17);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_spelling_has_its_number),
		cmocka_unit_test(test_case_does_not_matter),
		cmocka_unit_test(test_glog_letters),
		cmocka_unit_test(test_syslog_severity_numbers),
		cmocka_unit_test(test_pino_and_bunyan_numbers),
		cmocka_unit_test(test_opentelemetry_short_names_with_a_step),
		cmocka_unit_test(test_blanks_around_are_ignored),
		cmocka_unit_test(test_unknown_values),
		cmocka_unit_test(test_a_nul_inside_is_unknown),
		cmocka_unit_test(test_only_len_bytes_are_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
