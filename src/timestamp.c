/*
 * timestamp.c: the text of a time, in one of timestamp.h's formats, into
 * nanoseconds since the epoch; and nanoseconds back into RFC 3339.
 *
 * A text is read into struct fields, checked against the calendar
 * (proleptic Gregorian, our own arithmetic: no timegm, no TZ), then
 * counted in days.  Patterns are interpreted here, not by strptime(3):
 * musl 1.2.5's has no %z, %Z, %s, %F nor fractions, and glibc's skips
 * blanks elsewhere, so the static and the ASan builds would disagree.
 * Invariant: every loop is bounded by the text's length or a constant,
 * and every sum is checked before it could overflow.
 */
#include <string.h>
#include <strings.h>

#include "timestamp.h"

#define NS_PER_SEC	1000000000ULL
#define SEC_MAX		(UINT64_MAX / NS_PER_SEC)	/* 2554-07-21 */
#define YEAR_MIN	1969	/* 1969-12-31T23:00:00-01:00 is the epoch */
#define YEAR_MAX	2554
/* The longest number read as a time, in bytes: nanoseconds are 20
 * digits; with a fraction and an exponent 64 is ample, past it junk. */
#define NUMBER_MAX	64
/* An exponent's magnitude stops growing here: 10^1000 times a digit
 * overflows, 10^-1000 truncates to 0, both long before. */
#define EXP_MAX		1000
#define EPOCH_DIGITS	11	/* %s: SEC_MAX has 11 digits */

/* auto reads a number by its integer part: below 1e11 seconds (up to
 * year 5138, so every second we can hold), below 1e14 milliseconds,
 * below 1e17 microseconds, else nanoseconds.  Each unit's first value
 * is 1973-03-03T09:46:40Z. */
#define AUTO_MS_FROM	100000000000ULL
#define AUTO_US_FROM	100000000000000ULL
#define AUTO_NS_FROM	100000000000000000ULL

/* The input still to read: [p, end). */
struct cur {
	const char	*p;
	const char	*end;
};

/* A date-time's fields as a text gives them, before any check. */
struct fields {
	int		 year, mon, mday;
	int		 yday;		/* %j, 1..366; -1 not given */
	int		 hour, min, sec;
	uint32_t	 frac;		/* nanoseconds */
	int		 off;		/* seconds east of UTC */
	int		 pm;		/* %p: -1 not given, 0 AM, 1 PM */
	int		 hour12;	/* hour came from %I: 1..12 */
	int		 has_epoch;	/* %s given: epoch is the time */
	uint64_t	 epoch;
};

static const char *const months[] = { "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october",
    "november", "december" };
static const char *const wdays[] = { "sunday", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday" };

static const struct {
	const char		*name;
	enum timestamp_fmt	 fmt;
} fmt_names[] = {
	{ "auto", TIMESTAMP_AUTO },
	{ "rfc3339", TIMESTAMP_RFC3339 },
	{ "unix", TIMESTAMP_UNIX },
	{ "unix_ms", TIMESTAMP_UNIX_MS },
	{ "unix_us", TIMESTAMP_UNIX_US },
	{ "unix_ns", TIMESTAMP_UNIX_NS },
};

static int	match(const char *, struct cur *, struct fields *);

/* --- the calendar -------------------------------------------------------- */

static int
is_leap(int y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
month_days(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days from 1970-01-01 to y-m-d (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The inverse, for days >= 0 (Hinnant's civil_from_days). */
static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t	 era, doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Seconds t since the epoch and frac nanoseconds as nanoseconds; -1 when
 * t is before the epoch or the sum passes UINT64_MAX. */
static int
seconds_ns(int64_t t, uint32_t frac, uint64_t *ns)
{
	uint64_t	 v;

	if (t < 0 || (uint64_t)t > SEC_MAX)
		return -1;
	v = (uint64_t)t * NS_PER_SEC;
	if (v > UINT64_MAX - frac)
		return -1;
	*ns = v + frac;
	return 0;
}

/* The day f names, checked: y-m-d, or the year's yday when a pattern
 * gave %j without a month and a day. */
static int
day_of(const struct fields *f, int64_t *day)
{
	if (f->year < YEAR_MIN || f->year > YEAR_MAX)
		return -1;
	if (f->yday >= 0 && f->mon == 0 && f->mday == 0) {
		if (f->yday < 1 || f->yday > 365 + is_leap(f->year))
			return -1;
		*day = days_from_civil(f->year, 1, 1) + f->yday - 1;
		return 0;
	}
	if (f->mon < 1 || f->mon > 12 || f->mday < 1 ||
	    f->mday > month_days(f->year, f->mon))
		return -1;
	*day = days_from_civil(f->year, f->mon, f->mday);
	return 0;
}

/* f, checked, as nanoseconds.  A leap second (:60) becomes the last
 * nanosecond of :59, as it is stored where clocks smear or repeat it;
 * the order of times within that second is lost, not their minute. */
static int
to_ns(const struct fields *f, uint64_t *ns)
{
	int64_t		 day;
	int		 sec = f->sec;
	uint32_t	 frac = f->frac;

	if (day_of(f, &day) == -1 || f->hour < 0 || f->hour > 23 ||
	    f->min < 0 || f->min > 59 || sec < 0 || sec > 60)
		return -1;
	if (sec == 60) {
		sec = 59;
		frac = NS_PER_SEC - 1;
	}
	return seconds_ns(day * 86400 + f->hour * 3600 + f->min * 60 + sec -
	    f->off, frac, ns);
}

static void
fields_init(struct fields *f)
{
	memset(f, 0, sizeof(*f));
	f->yday = -1;
	f->pm = -1;
}

/* --- reading pieces ------------------------------------------------------ */

static int
is_digit(const struct cur *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* The character ch; 0 or -1. */
static int
lit(struct cur *c, char ch)
{
	if (c->p == c->end || *c->p != ch)
		return -1;
	c->p++;
	return 0;
}

/* Spaces and tabs, none or many. */
static void
blanks(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* min to max (at most 4) digits as a number; -1 when fewer than min. */
static int
digits(struct cur *c, int min, int max, int *v)
{
	int	 n;

	*v = 0;
	for (n = 0; n < max && is_digit(c); n++)
		*v = *v * 10 + (*c->p++ - '0');
	return n >= min ? 0 : -1;
}

/* A fraction's digits, one or more: the first nine are nanoseconds, the
 * rest dropped.  Truncated, not rounded: rounding could carry into the
 * next second, minute, even year. */
static int
fraction(struct cur *c, uint32_t *ns)
{
	uint32_t	 v = 0;
	int		 n;

	for (n = 0; is_digit(c); n++, c->p++)
		if (n < 9)
			v = v * 10 + (uint32_t)(*c->p - '0');
	if (n == 0)
		return -1;
	for (; n < 9; n++)
		v *= 10;
	*ns = v;
	return 0;
}

/* A zone: Z, z, or a sign then hh:mm; unless strict (RFC 3339) also
 * hhmm and hh.  Into *off, seconds east of UTC. */
static int
zone(struct cur *c, int strict, int *off)
{
	int	 sign, h, m = 0;

	if (lit(c, 'Z') == 0 || lit(c, 'z') == 0) {
		*off = 0;
		return 0;
	}
	if (c->p == c->end || (*c->p != '+' && *c->p != '-'))
		return -1;
	sign = *c->p++ == '-' ? -1 : 1;
	if (digits(c, 2, 2, &h) == -1)
		return -1;
	if (lit(c, ':') == 0) {
		if (digits(c, 2, 2, &m) == -1)
			return -1;
	} else if (strict)
		return -1;
	else if (is_digit(c) && digits(c, 2, 2, &m) == -1)
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

/* %Z: only the names that say UTC (UTC, GMT, Z, any case); what "EST"
 * or "IST" mean depends on where the log was written. */
static int
zone_name(struct cur *c, int *off)
{
	static const char *const utc[] = { "utc", "gmt", "z" };
	size_t		 i, n, left = (size_t)(c->end - c->p);

	for (i = 0; i < sizeof(utc) / sizeof(utc[0]); i++) {
		n = strlen(utc[i]);
		if (left >= n && strncasecmp(c->p, utc[i], n) == 0) {
			c->p += n;
			*off = 0;
			return 0;
		}
	}
	return -1;
}

/* One of names (English, any case), in full or its first three letters:
 * its index, or -1. */
static int
name_of(struct cur *c, const char *const *names, int n)
{
	size_t	 len, left = (size_t)(c->end - c->p);
	int	 i;

	for (i = 0; i < n; i++) {
		len = strlen(names[i]);
		if (left >= len && strncasecmp(c->p, names[i], len) == 0) {
			c->p += len;
			return i;
		}
		if (left >= 3 && strncasecmp(c->p, names[i], 3) == 0) {
			c->p += 3;
			return i;
		}
	}
	return -1;
}

/* --- formats ------------------------------------------------------------- */

/*
 * YYYY-MM-DD{T|t| }hh:mm:ss[.fraction][zone].  strict is RFC 3339: the
 * zone required, Z or +hh:mm only.  Else ISO 8601's extended form as
 * auto takes it: a ',' before the fraction too, zones +hhmm and +hh, no
 * zone meaning UTC (a container's clock is UTC unless told otherwise).
 */
static int
iso(const char *s, size_t len, int strict, uint64_t *ns)
{
	struct cur	 c = { s, s + len };
	struct fields	 f;

	fields_init(&f);
	if (digits(&c, 4, 4, &f.year) == -1 || lit(&c, '-') == -1 ||
	    digits(&c, 2, 2, &f.mon) == -1 || lit(&c, '-') == -1 ||
	    digits(&c, 2, 2, &f.mday) == -1 ||
	    (lit(&c, 'T') == -1 && lit(&c, 't') == -1 && lit(&c, ' ') == -1) ||
	    digits(&c, 2, 2, &f.hour) == -1 || lit(&c, ':') == -1 ||
	    digits(&c, 2, 2, &f.min) == -1 || lit(&c, ':') == -1 ||
	    digits(&c, 2, 2, &f.sec) == -1)
		return -1;
	if ((lit(&c, '.') == 0 || (!strict && lit(&c, ',') == 0)) &&
	    fraction(&c, &f.frac) == -1)
		return -1;
	if ((strict || c.p < c.end) && zone(&c, strict, &f.off) == -1)
		return -1;
	if (c.p != c.end)
		return -1;
	return to_ns(&f, ns);
}

/*
 * The digits at i[0,ni) then f[0,nf), the first of power of ten ni-1+e,
 * truncated to an integer.  The digits left of the units are summed by
 * Horner's rule, each step checked; those right of them are dropped.
 */
static int
scale(const char *i, size_t ni, const char *f, size_t nf, int e,
    uint64_t *out)
{
	uint64_t	 acc = 0;
	size_t		 k;
	int		 pw = (int)ni - 1 + e, d;	/* the next digit's */

	for (k = 0; k < ni + nf && pw >= 0; k++, pw--) {
		d = (k < ni ? i[k] : f[k - ni]) - '0';
		if (acc > (UINT64_MAX - (uint64_t)d) / 10)
			return -1;
		acc = acc * 10 + (uint64_t)d;
	}
	/* The digits ran out above the units: zeros follow.  A zero stays
	 * zero however far it is shifted. */
	for (; pw >= 0 && acc != 0; pw--) {
		if (acc > UINT64_MAX / 10)
			return -1;
		acc *= 10;
	}
	*out = acc;
	return 0;
}

/*
 * A JSON-like number, digits[.digits][{e|E}[+|-]digits], times
 * 10^shift, truncated toward zero; -1 when s is not such a number (a
 * sign, a bare '.', blanks), longer than NUMBER_MAX, or the result
 * passes UINT64_MAX.  Decimal all through, no floating point: a
 * nanosecond time has 19 digits, a double 15 to 17.
 */
static int
number(const char *s, size_t len, int shift, uint64_t *out)
{
	struct cur	 c = { s, s + len };
	const char	*i, *f = NULL;
	size_t		 ni, nf = 0;
	int		 e = 0, esign = 1;

	if (len == 0 || len > NUMBER_MAX)
		return -1;
	for (i = c.p; is_digit(&c); c.p++)
		;
	ni = (size_t)(c.p - i);
	if (ni == 0)
		return -1;
	if (lit(&c, '.') == 0) {
		for (f = c.p; is_digit(&c); c.p++)
			;
		nf = (size_t)(c.p - f);
		if (nf == 0)
			return -1;
	}
	if (lit(&c, 'e') == 0 || lit(&c, 'E') == 0) {
		if (lit(&c, '-') == 0)
			esign = -1;
		else
			(void)lit(&c, '+');
		if (!is_digit(&c))
			return -1;
		for (; is_digit(&c); c.p++)
			if (e < EXP_MAX)
				e = e * 10 + (*c.p - '0');
	}
	if (c.p != c.end)
		return -1;
	return scale(i, ni, f, nf, esign * e + shift, out);
}

/* A number whose integer part says its unit (the AUTO_* cut-offs). */
static int
auto_number(const char *s, size_t len, uint64_t *ns)
{
	uint64_t	 whole;
	int		 shift;

	if (number(s, len, 0, &whole) == -1)
		return -1;
	if (whole < AUTO_MS_FROM)
		shift = 9;
	else if (whole < AUTO_US_FROM)
		shift = 6;
	else if (whole < AUTO_NS_FROM)
		shift = 3;
	else
		shift = 0;
	return number(s, len, shift, ns);
}

/* --- patterns ------------------------------------------------------------ */

/* %s: seconds since the epoch, at most EPOCH_DIGITS digits. */
static int
epoch(struct cur *c, struct fields *f)
{
	int	 n;

	f->epoch = 0;
	for (n = 0; n < EPOCH_DIGITS && is_digit(c); n++)
		f->epoch = f->epoch * 10 + (uint64_t)(*c->p++ - '0');
	f->has_epoch = 1;
	return n > 0 ? 0 : -1;
}

static int
ampm(struct cur *c, int *pm)
{
	if (c->end - c->p < 2 || (c->p[1] != 'M' && c->p[1] != 'm'))
		return -1;
	if (*c->p == 'A' || *c->p == 'a')
		*pm = 0;
	else if (*c->p == 'P' || *c->p == 'p')
		*pm = 1;
	else
		return -1;
	c->p += 2;
	return 0;
}

static int
month(struct cur *c, int *mon)
{
	*mon = name_of(c, months, 12) + 1;
	return *mon > 0 ? 0 : -1;
}

static int
year2(struct cur *c, int *year)
{
	if (digits(c, 2, 2, year) == -1)
		return -1;
	*year += *year < 69 ? 2000 : 1900;	/* POSIX strptime's pivot */
	return 0;
}

/*
 * The conversion %k at c into f.  A flat dispatch, one case a
 * conversion, each a call or two: longer than 40 lines for that only.
 * The list is pattern_check's.
 */
static int
conv(int k, struct cur *c, struct fields *f)
{
	switch (k) {
	case 'Y':
		return digits(c, 4, 4, &f->year);
	case 'y':
		return year2(c, &f->year);
	case 'm':
		return digits(c, 1, 2, &f->mon);
	case 'b': case 'B': case 'h':
		return month(c, &f->mon);
	case 'e':
		(void)lit(c, ' ');
		return digits(c, 1, 2, &f->mday);
	case 'd':
		return digits(c, 1, 2, &f->mday);
	case 'j':
		return digits(c, 1, 3, &f->yday);
	case 'a': case 'A':
		return name_of(c, wdays, 7) >= 0 ? 0 : -1;
	case 'I':
		f->hour12 = 1;
		return digits(c, 1, 2, &f->hour);
	case 'H':
		return digits(c, 1, 2, &f->hour);
	case 'M':
		return digits(c, 1, 2, &f->min);
	case 'S':
		return digits(c, 1, 2, &f->sec);
	case 'f':
		return fraction(c, &f->frac);
	case 'p':
		return ampm(c, &f->pm);
	case 'z':
		return zone(c, 0, &f->off);
	case 'Z':
		return zone_name(c, &f->off);
	case 's':
		return epoch(c, f);
	case 'n': case 't':
		blanks(c);
		return 0;
	case '%':
		return lit(c, '%');
	case 'F':
		return match("%Y-%m-%d", c, f);
	case 'T':
		return match("%H:%M:%S", c, f);
	case 'R':
		return match("%H:%M", c, f);
	case 'D':
		return match("%m/%d/%y", c, f);
	}
	return -1;
}

/* The pattern pat against c: a blank matches blanks (none or many), a
 * conversion its field, any other byte itself. */
static int
match(const char *pat, struct cur *c, struct fields *f)
{
	for (; *pat != '\0'; pat++) {
		if (*pat == ' ' || *pat == '\t')
			blanks(c);
		else if (*pat != '%') {
			if (lit(c, *pat) == -1)
				return -1;
		} else if (conv(*++pat, c, f) == -1)
			return -1;
	}
	return 0;
}

/* All of s by pat.  %s, when given, is the time (a zone has no say);
 * %I is 12-hour: 12 AM is 00, 12 PM 12, no %p means AM. */
static int
pattern(const char *pat, const char *s, size_t len, uint64_t *ns)
{
	struct cur	 c = { s, s + len };
	struct fields	 f;

	fields_init(&f);
	if (pat == NULL || match(pat, &c, &f) == -1 || c.p != c.end)
		return -1;
	if (f.has_epoch)
		return seconds_ns((int64_t)f.epoch, f.frac, ns);
	if (f.hour12) {
		if (f.hour < 1 || f.hour > 12)
			return -1;
		f.hour = f.hour % 12 + (f.pm == 1 ? 12 : 0);
	}
	return to_ns(&f, ns);
}

/* why may be NULL. */
static void
why_is(const char **why, const char *what)
{
	if (why != NULL)
		*why = what;
}

/* What a pattern's conversions give, for pattern_check. */
#define GIVES_YEAR	0x01
#define GIVES_MON	0x02
#define GIVES_MDAY	0x04
#define GIVES_YDAY	0x08
#define GIVES_EPOCH	0x10

static int
gives(int k)
{
	switch (k) {
	case 'Y': case 'y':
		return GIVES_YEAR;
	case 'm': case 'b': case 'B': case 'h':
		return GIVES_MON;
	case 'd': case 'e':
		return GIVES_MDAY;
	case 'j':
		return GIVES_YDAY;
	case 's':
		return GIVES_EPOCH;
	case 'F': case 'D':
		return GIVES_YEAR | GIVES_MON | GIVES_MDAY;
	}
	return 0;
}

/* A pattern's conversions are all known and name a day: a year with a
 * month and a day or with %j, or %s.  A year is never guessed: a
 * syslog-style "%b %e %T" has none. */
static int
pattern_check(const char *pat, const char **why)
{
	static const char known[] = "YymbBhedjaAIHMSfpzZsnt%FTRD";
	int		 g = 0;

	for (; *pat != '\0'; pat++) {
		if (*pat != '%')
			continue;
		if (*++pat == '\0' || strchr(known, *pat) == NULL) {
			why_is(why, "an unknown conversion (known: %Y %y %m %b "
			    "%B %h %d %e %j %a %A %H %I %M %S %f %p %z %Z %s "
			    "%n %t %% %F %T %R %D)");
			return -1;
		}
		g |= gives(*pat);
	}
	if ((g & GIVES_EPOCH) || ((g & GIVES_YEAR) && ((g & GIVES_YDAY) ||
	    ((g & GIVES_MON) && (g & GIVES_MDAY)))))
		return TIMESTAMP_PATTERN;
	why_is(why, "a pattern must give the year, month and day (or %j, "
	    "or %s)");
	return -1;
}

/* --- the door ------------------------------------------------------------ */

/* The format a time.format value names: a name, else a pattern when it
 * holds a '%'; -1 and why when it is neither or a bad pattern. */
int
timestamp_fmt_of(const char *v, const char **why)
{
	size_t	 i;

	for (i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++)
		if (strcmp(v, fmt_names[i].name) == 0)
			return fmt_names[i].fmt;
	if (strchr(v, '%') == NULL) {
		why_is(why, "not auto, rfc3339, unix, unix_ms, unix_us, "
		    "unix_ns, nor a pattern with %");
		return -1;
	}
	return pattern_check(v, why);
}

/* s[0,len) in fmt (pattern for TIMESTAMP_PATTERN, else unused) into *ns;
 * 0, or -1 when it is not a time in that format and range. */
int
timestamp_parse(enum timestamp_fmt fmt, const char *pat, const char *s,
    size_t len, uint64_t *ns)
{
	switch (fmt) {
	case TIMESTAMP_AUTO:
		if (len > 4 && s[4] == '-')
			return iso(s, len, 0, ns);
		return auto_number(s, len, ns);
	case TIMESTAMP_RFC3339:
		return iso(s, len, 1, ns);
	case TIMESTAMP_UNIX:
		return number(s, len, 9, ns);
	case TIMESTAMP_UNIX_MS:
		return number(s, len, 6, ns);
	case TIMESTAMP_UNIX_US:
		return number(s, len, 3, ns);
	case TIMESTAMP_UNIX_NS:
		return number(s, len, 0, ns);
	case TIMESTAMP_PATTERN:
		return pattern(pat, s, len, ns);
	}
	return -1;
}

int
timestamp_rfc3339(const char *s, size_t len, uint64_t *ns)
{
	return timestamp_parse(TIMESTAMP_RFC3339, NULL, s, len, ns);
}

/* v in n decimal digits, zero-padded, at out. */
static void
put(char *out, uint64_t v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

/* ns as RFC 3339 UTC with 6 fraction digits, as the record's read time,
 * or 9 when that would lose some; NUL-terminated, its length returned
 * (at most TIMESTAMP_MAX - 1). */
size_t
timestamp_format(uint64_t ns, char *out)
{
	uint64_t	 secs = ns / NS_PER_SEC, frac = ns % NS_PER_SEC;
	uint64_t	 tod = secs % 86400;
	int		 y, m, d;
	size_t		 n;

	civil_from_days((int64_t)(secs / 86400), &y, &m, &d);
	put(out, (uint64_t)y, 4);
	put(out + 5, (uint64_t)m, 2);
	put(out + 8, (uint64_t)d, 2);
	put(out + 11, tod / 3600, 2);
	put(out + 14, tod / 60 % 60, 2);
	put(out + 17, tod % 60, 2);
	out[4] = out[7] = '-';
	out[10] = 'T';
	out[13] = out[16] = ':';
	out[19] = '.';
	if (frac % 1000 == 0) {
		put(out + 20, frac / 1000, 6);
		n = 26;
	} else {
		put(out + 20, frac, 9);
		n = 29;
	}
	out[n++] = 'Z';
	out[n] = '\0';
	return n;
}
