/*
 * timestamp.c: RFC 3339 date-times (section 5.6) into nanoseconds.
 *
 * YYYY-MM-DD, then T, t or a space (section 5.6's note), hh:mm:ss, an
 * optional fraction of any length (digits past the ninth are dropped),
 * then Z, z or an offset +hh:mm / -hh:mm.  A leap second (:60) is read
 * as the second before the next minute, as most systems store it.  What
 * is before 1970 or past 2554 (the end of 64-bit nanoseconds) is not a
 * time here: the caller keeps the text as it is.
 */
#include "timestamp.h"

/* n digits at s as a number, or -1. */
static int
num(const char *s, int n)
{
	int	 v = 0;

	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's
 * days_from_civil). */
static int64_t
days(int64_t y, int m, int d)
{
	int64_t	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
month_days(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

/* The offset (Z or +hh:mm) at s, in seconds east of UTC; 0 or -1. */
static int
offset(const char *s, const char *end, int64_t *secs)
{
	int	 h, m;

	if (end - s == 1 && (*s == 'Z' || *s == 'z')) {
		*secs = 0;
		return 0;
	}
	if (end - s != 6 || (*s != '+' && *s != '-') || s[3] != ':')
		return -1;
	h = num(s + 1, 2);
	m = num(s + 4, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return -1;
	*secs = (h * 3600 + m * 60) * (*s == '-' ? -1 : 1);
	return 0;
}

int
timestamp_rfc3339(const char *s, size_t len, uint64_t *ns)
{
	const char	*p = s + 19, *end = s + len;
	int		 y, mo, d, h, mi, sec, digits = 0;
	int64_t		 frac = 0, off, t;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' ||
	    s[16] != ':' || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return -1;
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	h = num(s + 11, 2);
	mi = num(s + 14, 2);
	sec = num(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > month_days(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 ||
	    sec < 0 || sec > 60)
		return -1;
	if (*p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (offset(p, end, &off) == -1)
		return -1;
	if (sec == 60)
		frac = 999999999;
	t = days(y, mo, d) * 86400 + h * 3600 + mi * 60 + (sec == 60 ? 59 :
	    sec) - off;
	if (t < 0 || t >= (int64_t)(UINT64_MAX / 1000000000ULL))
		return -1;
	*ns = (uint64_t)t * 1000000000ULL + (uint64_t)frac;
	return 0;
}
