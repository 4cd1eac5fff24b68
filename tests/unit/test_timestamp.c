/*
 * test_timestamp.c: an event's time in each time.format (auto, rfc3339,
 * the unix units, patterns), the calendar and the range, hostile text,
 * and the RFC 3339 text written back.  Every expected value was computed
 * apart from this code (python3 datetime, date -u -d ... +%s).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "timestamp.h"

#define S	1000000000ULL	/* nanoseconds a second */

#define NGINX	"%d/%b/%Y:%H:%M:%S %z"

/*
 * s parsed in fmt (pattern pat), from a heap copy of exactly strlen(s)
 * bytes without a NUL, so that ASan sees any read past the end; the
 * time, or UINT64_MAX - 1 when it did not parse (no test expects it).
 */
#define FAILED	(UINT64_MAX - 1)
static uint64_t
parse(enum timestamp_fmt fmt, const char *pat, const char *s, size_t len)
{
	uint64_t	 ns = 0;
	char		*copy = malloc(len ? len : 1);
	int		 rc;

	assert_non_null(copy);
	memcpy(copy, s, len);
	rc = timestamp_parse(fmt, pat, copy, len, &ns);
	free(copy);
	if (rc == -1)
		return FAILED;
	assert_int_equal(rc, 0);
	return ns;
}

static uint64_t
in(enum timestamp_fmt fmt, const char *s)
{
	return parse(fmt, NULL, s, strlen(s));
}

static uint64_t
by(const char *pat, const char *s)
{
	assert_int_equal(timestamp_fmt_of(pat, NULL), TIMESTAMP_PATTERN);
	return parse(TIMESTAMP_PATTERN, pat, s, strlen(s));
}

static void
test_fmt_of_names_each_format(void **state)
{
	assert_int_equal(timestamp_fmt_of("auto", NULL), TIMESTAMP_AUTO);
	assert_int_equal(timestamp_fmt_of("rfc3339", NULL), TIMESTAMP_RFC3339);
	assert_int_equal(timestamp_fmt_of("unix", NULL), TIMESTAMP_UNIX);
	assert_int_equal(timestamp_fmt_of("unix_ms", NULL), TIMESTAMP_UNIX_MS);
	assert_int_equal(timestamp_fmt_of("unix_us", NULL), TIMESTAMP_UNIX_US);
	assert_int_equal(timestamp_fmt_of("unix_ns", NULL), TIMESTAMP_UNIX_NS);
	assert_int_equal(timestamp_fmt_of(NGINX, NULL), TIMESTAMP_PATTERN);
	assert_int_equal(timestamp_fmt_of("%F %T", NULL), TIMESTAMP_PATTERN);
	assert_int_equal(timestamp_fmt_of("%Y %j", NULL), TIMESTAMP_PATTERN);
	assert_int_equal(timestamp_fmt_of("%s", NULL), TIMESTAMP_PATTERN);
	assert_int_equal(timestamp_fmt_of("100%% %D", NULL),
	    TIMESTAMP_PATTERN);
}

static void
test_fmt_of_rejects_bad_names_and_patterns_saying_why(void **state)
{
	static const char *const bad[] = { "", "AUTO", "unix_s", "rfc 3339",
	    "%Y-%m-%d %Q", "%Y-%m-%d %", "%Y-%m-%d %E", "%b %e %T",
	    "%H:%M:%S", "%Y-%m", "%m-%d", "%Y %d" };
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(timestamp_fmt_of(bad[i], &why), -1);
		assert_non_null(why);
	}
}

static void
test_rfc3339_reads_z_and_offsets(void **state)
{
	assert_true(in(TIMESTAMP_RFC3339, "2024-02-29T12:00:00Z") ==
	    1709208000 * S);
	assert_true(in(TIMESTAMP_RFC3339, "2024-02-29t12:00:00z") ==
	    1709208000 * S);
	assert_true(in(TIMESTAMP_RFC3339, "2024-02-29 12:00:00+01:00") ==
	    1709204400 * S);
	assert_true(in(TIMESTAMP_RFC3339, "2024-02-29T12:00:00-05:30") ==
	    1709227800 * S);
	assert_true(in(TIMESTAMP_RFC3339, "2024-02-29T12:00:00.5-00:00") ==
	    1709208000 * S + 500000000);
}

static void
test_rfc3339_rejects_what_only_auto_takes(void **state)
{
	static const char *const bad[] = { "2024-02-29T12:00:00",
	    "2024-02-29T12:00:00,5Z", "2024-02-29T12:00:00+0100",
	    "2024-02-29T12:00:00+01", "1709208000", "2024-02-29T12:00:00+1:00",
	    "2024-02-29T12:00:00+01:0", "2024-02-29T12:00:00 Z" };
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(in(TIMESTAMP_RFC3339, bad[i]) == FAILED);
}

static void
test_auto_reads_a_time_without_zone_as_utc(void **state)
{
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29T12:00:00") ==
	    1709208000 * S);
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29 12:00:00") ==
	    1709208000 * S);
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29 12:00:00.25") ==
	    1709208000 * S + 250000000);
}

static void
test_auto_reads_every_zone_form(void **state)
{
	static const struct {
		const char	*s;
		uint64_t	 ns;
	} ok[] = {
		{ "2024-02-29T12:00:00Z", 1709208000 * S },
		{ "2024-02-29T12:00:00z", 1709208000 * S },
		{ "2024-02-29T12:00:00+01:00", 1709204400 * S },
		{ "2024-02-29T12:00:00+0100", 1709204400 * S },
		{ "2024-02-29T12:00:00+01", 1709204400 * S },
		{ "2024-02-29T12:00:00-05:30", 1709227800 * S },
		{ "2024-02-29T12:00:00-0530", 1709227800 * S },
		{ "2024-02-29T12:00:00+00:00", 1709208000 * S },
		/* Across midnight, a month's end and a year's end. */
		{ "2024-03-01T01:00:00+02:00", 1709247600 * S },
		{ "2024-01-01T00:30:00+01:00", 1704065400 * S },
		{ "2023-12-31T23:30:00-01:00", 1704069000 * S },
		{ "2024-02-29T23:59:59Z", 1709251199 * S },
	};
	static const char *const bad[] = { "2024-02-29T12:00:00+1",
	    "2024-02-29T12:00:00+010", "2024-02-29T12:00:00+24:00",
	    "2024-02-29T12:00:00+01:60", "2024-02-29T12:00:00+01:00:00",
	    "2024-02-29T12:00:00 +01:00", "2024-02-29T12:00:00UTC",
	    "2024-02-29T12:00:00+", "2024-02-29T12:00:00Zz" };
	size_t	 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(in(TIMESTAMP_AUTO, ok[i].s) == ok[i].ns);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(in(TIMESTAMP_AUTO, bad[i]) == FAILED);
}

static void
test_fractions_of_one_to_nine_digits(void **state)
{
	static const char *const frac[] = { "1", "12", "123", "1234", "12345",
	    "123456", "1234567", "12345678", "123456789" };
	static const uint64_t ns[] = { 100000000, 120000000, 123000000,
	    123400000, 123450000, 123456000, 123456700, 123456780, 123456789 };
	char	 s[64];
	size_t	 i;

	for (i = 0; i < sizeof(frac) / sizeof(frac[0]); i++) {
		snprintf(s, sizeof(s), "2024-02-29T12:00:00.%sZ", frac[i]);
		assert_true(in(TIMESTAMP_RFC3339, s) == 1709208000 * S + ns[i]);
		snprintf(s, sizeof(s), "2024-02-29 12:00:00,%s", frac[i]);
		assert_true(in(TIMESTAMP_AUTO, s) == 1709208000 * S + ns[i]);
	}
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29T12:00:00.Z") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29T12:00:00,") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29T12:00:00.-01:00") == FAILED);
}

/* Truncated, never rounded: .9999999999 stays in its second. */
static void
test_fraction_digits_past_the_ninth_are_dropped(void **state)
{
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29T12:00:00.1234567891Z") ==
	    1709208000 * S + 123456789);
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29T23:59:59.9999999999Z") ==
	    1709251199 * S + 999999999);
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29T12:00:00."
	    "000000001999999999999999999999999999999999999999Z") ==
	    1709208000 * S + 1);
}

static void
test_leap_years(void **state)
{
	assert_true(in(TIMESTAMP_AUTO, "2024-02-29T12:00:00Z") ==
	    1709208000 * S);
	assert_true(in(TIMESTAMP_AUTO, "2000-02-29T00:00:00Z") ==
	    951782400 * S);
	assert_true(in(TIMESTAMP_AUTO, "2100-02-28T00:00:00Z") ==
	    4107456000 * S);
	assert_true(in(TIMESTAMP_AUTO, "2100-03-01T00:00:00Z") ==
	    4107542400 * S);
	assert_true(in(TIMESTAMP_AUTO, "2023-02-29T12:00:00Z") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "2100-02-29T00:00:00Z") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "2024-02-30T00:00:00Z") == FAILED);
	assert_true(by("%Y %j", "2024 366") == 1735603200 * S);
	assert_true(by("%Y %j", "2100 366") == FAILED);
	assert_true(by("%Y %j", "2024 060") == 1709164800 * S);
}

static void
test_leap_second_is_the_last_nanosecond_of_59(void **state)
{
	assert_true(in(TIMESTAMP_RFC3339, "2016-12-31T23:59:60Z") ==
	    1483228799 * S + 999999999);
	assert_true(in(TIMESTAMP_AUTO, "2016-12-31T23:59:60.5Z") ==
	    1483228799 * S + 999999999);
	assert_true(in(TIMESTAMP_AUTO, "2016-12-31T23:59:61Z") == FAILED);
}

static void
test_range_is_the_epoch_to_the_largest_uint64(void **state)
{
	assert_true(in(TIMESTAMP_AUTO, "1970-01-01T00:00:00Z") == 0);
	assert_true(in(TIMESTAMP_AUTO, "1969-12-31T23:30:00-01:00") ==
	    1800 * S);
	assert_true(in(TIMESTAMP_AUTO, "2554-07-21T23:34:33.709551615Z") ==
	    UINT64_MAX);
	assert_true(in(TIMESTAMP_AUTO, "1969-12-31T23:59:59.999Z") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "1970-01-01T00:30:00+01:00") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "2554-07-21T23:34:33.709551616Z") ==
	    FAILED);
	assert_true(in(TIMESTAMP_AUTO, "2554-07-21T23:34:34Z") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "2555-01-01T00:00:00Z") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "9999-12-31T23:59:59Z") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "0000-01-01T00:00:00Z") == FAILED);
}

/* The cut-offs, and the largest time each unit can say. */
static void
test_auto_reads_an_epoch_number_by_its_magnitude(void **state)
{
	assert_true(in(TIMESTAMP_AUTO, "0") == 0);
	assert_true(in(TIMESTAMP_AUTO, "1709208000") == 1709208000 * S);
	assert_true(in(TIMESTAMP_AUTO, "1709208000123") ==
	    1709208000123000000ULL);
	assert_true(in(TIMESTAMP_AUTO, "1709208000123456") ==
	    1709208000123456000ULL);
	assert_true(in(TIMESTAMP_AUTO, "1709208000123456789") ==
	    1709208000123456789ULL);
	/* Seconds up to 99999999999, past 2554 from 18446744074. */
	assert_true(in(TIMESTAMP_AUTO, "18446744073") == 18446744073 * S);
	assert_true(in(TIMESTAMP_AUTO, "18446744074") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "99999999999") == FAILED);
	/* Milliseconds from 1e11 to 99999999999999. */
	assert_true(in(TIMESTAMP_AUTO, "100000000000") ==
	    100000000000000000ULL);
	assert_true(in(TIMESTAMP_AUTO, "18446744073709") ==
	    18446744073709000000ULL);
	assert_true(in(TIMESTAMP_AUTO, "99999999999999") == FAILED);
	/* Microseconds from 1e14 to 99999999999999999. */
	assert_true(in(TIMESTAMP_AUTO, "100000000000000") ==
	    100000000000000000ULL);
	assert_true(in(TIMESTAMP_AUTO, "18446744073709551") ==
	    18446744073709551000ULL);
	assert_true(in(TIMESTAMP_AUTO, "99999999999999999") == FAILED);
	/* Nanoseconds from 1e17. */
	assert_true(in(TIMESTAMP_AUTO, "100000000000000000") ==
	    100000000000000000ULL);
	assert_true(in(TIMESTAMP_AUTO, "18446744073709551615") == UINT64_MAX);
	assert_true(in(TIMESTAMP_AUTO, "18446744073709551616") == FAILED);
}

/* The integer part picks the unit; the fraction is of that unit. */
static void
test_auto_epoch_with_fraction_and_exponent(void **state)
{
	assert_true(in(TIMESTAMP_AUTO, "1709208000.5") ==
	    1709208000 * S + 500000000);
	assert_true(in(TIMESTAMP_AUTO, "1709208000.123456789") ==
	    1709208000123456789ULL);
	assert_true(in(TIMESTAMP_AUTO, "1709208000.1234567899") ==
	    1709208000123456789ULL);
	assert_true(in(TIMESTAMP_AUTO, "1709208000123.456") ==
	    1709208000123456000ULL);
	assert_true(in(TIMESTAMP_AUTO, "99999999999.5") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "1.709208e9") == 1709208000 * S);
	assert_true(in(TIMESTAMP_AUTO, "1.709208000123E+12") ==
	    1709208000123000000ULL);
	assert_true(in(TIMESTAMP_AUTO, "17092080001e-1") ==
	    1709208000 * S + 100000000);
	assert_true(in(TIMESTAMP_AUTO, "5e-1000") == 0);
	assert_true(in(TIMESTAMP_AUTO, "0e99999999999999999999") == 0);
	assert_true(in(TIMESTAMP_AUTO, "1e99999999999999999999") == FAILED);
	assert_true(in(TIMESTAMP_AUTO, "1e20") == FAILED);
}

static void
test_unix_formats_read_their_unit(void **state)
{
	assert_true(in(TIMESTAMP_UNIX, "1709208000") == 1709208000 * S);
	assert_true(in(TIMESTAMP_UNIX, "1709208000.123456789") ==
	    1709208000123456789ULL);
	assert_true(in(TIMESTAMP_UNIX, "100000000000") == FAILED);
	assert_true(in(TIMESTAMP_UNIX_MS, "1709208000123") ==
	    1709208000123000000ULL);
	assert_true(in(TIMESTAMP_UNIX_MS, "1709208000") ==
	    1709208000000000ULL);
	assert_true(in(TIMESTAMP_UNIX_MS, "1.5") == 1500000);
	assert_true(in(TIMESTAMP_UNIX_US, "1709208000123456") ==
	    1709208000123456000ULL);
	assert_true(in(TIMESTAMP_UNIX_US, "1709208000123456.789") ==
	    1709208000123456789ULL);
	assert_true(in(TIMESTAMP_UNIX_NS, "1709208000123456789") ==
	    1709208000123456789ULL);
	assert_true(in(TIMESTAMP_UNIX_NS, "1709208000123456789.9") ==
	    1709208000123456789ULL);
	assert_true(in(TIMESTAMP_UNIX_NS, "18446744073709551616") == FAILED);
	assert_true(in(TIMESTAMP_UNIX, "2024-02-29T12:00:00Z") == FAILED);
}

static void
test_numbers_reject_signs_blanks_and_junk(void **state)
{
	static const char *const bad[] = { "", " ", "-1", "+1", " 1", "1 ",
	    "1.", ".5", "1e", "1e+", "1e-", "0x10", "1,5", "1..5", "1e5.5",
	    "Infinity", "NaN", "1_000", "\"1\"", "1\n",
	    "00000000000000000000000000000000000000000000000000000000000000001"
	};
	size_t	 i;
	int	 f;

	for (f = TIMESTAMP_AUTO; f <= TIMESTAMP_UNIX_NS; f++)
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			assert_true(in(f, bad[i]) == FAILED);
	/* 64 characters is the longest number taken. */
	assert_true(in(TIMESTAMP_UNIX, "1709208000."
	    "00000000000000000000000000000000000000000000000000000") ==
	    1709208000 * S);
}

static void
test_pattern_nginx_access_log(void **state)
{
	assert_true(by(NGINX, "29/Feb/2024:12:00:00 +0100") == 1709204400 * S);
	assert_true(by(NGINX, "10/Oct/2000:13:55:36 -0700") == 971211336 * S);
	assert_true(by(NGINX, "10/oct/2000:13:55:36 -07:00") == 971211336 * S);
	assert_true(by(NGINX, "29/Feb/2023:12:00:00 +0100") == FAILED);
	assert_true(by(NGINX, "29/Fbr/2024:12:00:00 +0100") == FAILED);
	assert_true(by(NGINX, "29/Feb/2024:12:00:00") == FAILED);
	assert_true(by(NGINX, "29/Feb/2024:12:00:00 +0100]") == FAILED);
}

static void
test_pattern_numeric_date_time_with_and_without_fraction(void **state)
{
	assert_true(by("%Y-%m-%d %H:%M:%S", "2024-02-29 12:00:00") ==
	    1709208000 * S);
	assert_true(by("%Y-%m-%d %H:%M:%S,%f", "2024-02-29 12:00:00,123") ==
	    1709208000 * S + 123000000);
	assert_true(by("%Y-%m-%dT%H:%M:%S.%f%z",
	    "2024-02-29T12:00:00.123456789-05:30") ==
	    1709227800 * S + 123456789);
	assert_true(by("%F %T", "2024-02-29 12:00:00") == 1709208000 * S);
	assert_true(by("%Y%m%d%H%M%S", "20240229120000") == 1709208000 * S);
	assert_true(by("%D %R", "02/29/24 12:00") == 1709208000 * S);
	/* A blank in the pattern takes any run of blanks, even none. */
	assert_true(by("%Y-%m-%d %H:%M:%S", "2024-02-29\t  12:00:00") ==
	    1709208000 * S);
	assert_true(by("%Y-%m-%d %H:%M:%S", "2024-02-2912:00:00") ==
	    1709208000 * S);
}

static void
test_pattern_names_zones_and_12_hour_clock(void **state)
{
	assert_true(by("%a, %d %b %Y %T %Z", "Thu, 29 Feb 2024 12:00:00 GMT") ==
	    1709208000 * S);
	assert_true(by("%A %B %e %Y %T %Z",
	    "thursday FEBRUARY  9 2024 00:05:00 utc") == 1707437100 * S);
	assert_true(by("%b %e %Y %I:%M:%S %p", "Feb  9 2024 12:05:00 AM") ==
	    1707437100 * S);
	assert_true(by("%b %e %Y %I:%M %p", "Dec 31 2024 12:30 pm") ==
	    1735648200 * S);
	assert_true(by("%b %e %Y %I:%M %p", "Dec 31 2024 12:30 XM") == FAILED);
	assert_true(by("%b %e %Y %I:%M %p", "Dec 31 2024 13:30 PM") == FAILED);
	assert_true(by("%a, %d %b %Y %T %Z", "Thu, 29 Feb 2024 12:00:00 EST") ==
	    FAILED);
}

static void
test_pattern_epoch_seconds(void **state)
{
	assert_true(by("%s", "1709208000") == 1709208000 * S);
	assert_true(by("%s.%f", "1709208000.5") == 1709208000 * S + 500000000);
	assert_true(by("%s %z", "1709208000 +01:00") == 1709208000 * S);
	assert_true(by("%s", "18446744074") == FAILED);
	assert_true(by("%s", "123456789012") == FAILED);
	assert_true(by("%s", "") == FAILED);
}

/* Each of these fails in every format. */
static void
test_garbage_is_rejected(void **state)
{
	static const char *const bad[] = { "", " ", "   ", "garbage",
	    "2024-02-29", "2024-02-29T", "2024-02-29T12:00",
	    "2024-02-29T12:00:00Zjunk", "2024-02-29T12:00:00Z ",
	    " 2024-02-29T12:00:00Z", "20245-02-29T12:00:00Z",
	    "2024-002-29T12:00:00Z", "2024-13-01T00:00:00Z",
	    "2024-00-01T00:00:00Z", "2024-01-00T00:00:00Z",
	    "2024-01-32T00:00:00Z", "2024-04-31T00:00:00Z",
	    "2024-02-29T24:00:00Z", "2024-02-29T23:60:00Z",
	    "2024-02-29T1:00:00Z", "2024/02/29T12:00:00Z",
	    "2024-02-29X12:00:00Z", "2024-02-29T12:00:00+01:00Z",
	    "999999999999999999999999999999" };
	const char	*nul = "2024-02-29T12\0:00:00Z";
	size_t		 i;
	int		 f;

	for (f = TIMESTAMP_AUTO; f <= TIMESTAMP_UNIX_NS; f++) {
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			assert_true(in(f, bad[i]) == FAILED);
		assert_true(parse(f, NULL, nul, 21) == FAILED);
		assert_true(parse(f, NULL, "17092\0" "08000", 11) == FAILED);
	}
	assert_true(by("%Y-%m-%d %H:%M:%S", "2024-13-01 00:00:00") == FAILED);
	assert_true(by("%Y-%m-%d %H:%M:%S", "2024-02-29 24:00:00") == FAILED);
	assert_true(by("%Y-%m-%d %H:%M:%S", "2024-02-29 12:00:00 ") == FAILED);
	assert_true(by("%Y-%m-%d %H:%M:%S", "2024-02-29 12:00") == FAILED);
	assert_true(by("%Y-%m-%d %H:%M:%S", "02024-02-29 12:00:00") == FAILED);
	assert_true(parse(TIMESTAMP_PATTERN, "%F %T", "2024-02-29\0""12:00:00",
	    19) == FAILED);
}

/* What follows len is never looked at. */
static void
test_only_len_bytes_are_read(void **state)
{
	assert_true(parse(TIMESTAMP_AUTO, NULL, "2024-02-29T12:00:00+01:00",
	    19) == 1709208000 * S);
	assert_true(parse(TIMESTAMP_RFC3339, NULL, "2024-02-29T12:00:00Z",
	    19) == FAILED);
	assert_true(parse(TIMESTAMP_AUTO, NULL, "1709208000123", 10) ==
	    1709208000 * S);
	assert_true(parse(TIMESTAMP_PATTERN, NGINX,
	    "29/Feb/2024:12:00:00 +0100", 22) == FAILED);
}

static void
test_format_writes_six_digits_or_nine(void **state)
{
	char	 out[TIMESTAMP_MAX];

	assert_int_equal(timestamp_format(0, out), 27);
	assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
	assert_int_equal(timestamp_format(1795334400123456000ULL, out), 27);
	assert_string_equal(out, "2026-11-22T08:00:00.123456Z");
	assert_int_equal(timestamp_format(1709208000123456789ULL, out), 30);
	assert_string_equal(out, "2024-02-29T12:00:00.123456789Z");
	assert_int_equal(timestamp_format(951782400 * S + 1, out), 30);
	assert_string_equal(out, "2000-02-29T00:00:00.000000001Z");
	assert_int_equal(timestamp_format(UINT64_MAX, out), TIMESTAMP_MAX - 1);
	assert_string_equal(out, "2554-07-21T23:34:33.709551615Z");
	assert_int_equal(timestamp_format(4107542399 * S, out), 27);
	assert_string_equal(out, "2100-02-28T23:59:59.000000Z");
}

/* format then parse gives the same time back, over the whole range. */
static void
test_format_round_trips(void **state)
{
	static const uint64_t fixed[] = { 0, 1, 999, 1000, S - 1, S,
	    951782400 * S, 1709164800 * S - 1, 1709164800 * S,
	    4107456000 * S + 86399 * S, UINT64_MAX - 1, UINT64_MAX };
	uint64_t	 x = 88172645463325252ULL, back;
	char		 out[TIMESTAMP_MAX];
	size_t		 i, n;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		n = timestamp_format(fixed[i], out);
		assert_int_equal(timestamp_parse(TIMESTAMP_RFC3339, NULL, out,
		    n, &back), 0);
		assert_true(back == fixed[i]);
	}
	for (i = 0; i < 100000; i++) {
		x ^= x << 13;	/* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		n = timestamp_format(x, out);
		assert_int_equal(timestamp_parse(TIMESTAMP_AUTO, NULL, out, n,
		    &back), 0);
		assert_true(back == x);
	}
}

static void
test_rfc3339_is_the_strict_format(void **state)
{
	uint64_t	 ns;

	assert_int_equal(timestamp_rfc3339("2026-11-22T08:00:00.123456Z", 27,
	    &ns), 0);
	assert_true(ns == 1795334400123456000ULL);
	assert_int_equal(timestamp_rfc3339("2026-11-22T08:00:00", 19, &ns),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fmt_of_names_each_format),
		cmocka_unit_test(
		    test_fmt_of_rejects_bad_names_and_patterns_saying_why),
		cmocka_unit_test(test_rfc3339_reads_z_and_offsets),
		cmocka_unit_test(test_rfc3339_rejects_what_only_auto_takes),
		cmocka_unit_test(test_auto_reads_a_time_without_zone_as_utc),
		cmocka_unit_test(test_auto_reads_every_zone_form),
		cmocka_unit_test(test_fractions_of_one_to_nine_digits),
		cmocka_unit_test(
		    test_fraction_digits_past_the_ninth_are_dropped),
		cmocka_unit_test(test_leap_years),
		cmocka_unit_test(
		    test_leap_second_is_the_last_nanosecond_of_59),
		cmocka_unit_test(
		    test_range_is_the_epoch_to_the_largest_uint64),
		cmocka_unit_test(
		    test_auto_reads_an_epoch_number_by_its_magnitude),
		cmocka_unit_test(test_auto_epoch_with_fraction_and_exponent),
		cmocka_unit_test(test_unix_formats_read_their_unit),
		cmocka_unit_test(test_numbers_reject_signs_blanks_and_junk),
		cmocka_unit_test(test_pattern_nginx_access_log),
		cmocka_unit_test(
		    test_pattern_numeric_date_time_with_and_without_fraction),
		cmocka_unit_test(test_pattern_names_zones_and_12_hour_clock),
		cmocka_unit_test(test_pattern_epoch_seconds),
		cmocka_unit_test(test_garbage_is_rejected),
		cmocka_unit_test(test_only_len_bytes_are_read),
		cmocka_unit_test(test_format_writes_six_digits_or_nine),
		cmocka_unit_test(test_format_round_trips),
		cmocka_unit_test(test_rfc3339_is_the_strict_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
