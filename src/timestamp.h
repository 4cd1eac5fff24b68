/*
 * timestamp.h: times as logs write them, read into nanoseconds since the
 * epoch (UTC), and written back as RFC 3339.  What each format accepts:
 *
 * auto	the RFC 3339 / ISO 8601 extended date-time
 *	YYYY-MM-DD{T|t| }hh:mm:ss[{.|,}fraction][zone], the zone Z, z,
 *	+hh:mm, +hhmm or +hh (or -); no zone means UTC.  Or a number
 *	(digits, an optional .fraction, an optional exponent e+N) read by
 *	its integer part: below 100000000000 (1e11) seconds, below 1e14
 *	milliseconds, below 1e17 microseconds, else nanoseconds.  So
 *	99999999999 is seconds, 100000000000 is milliseconds (1973-03-03).
 * rfc3339	RFC 3339 section 5.6 only: YYYY-MM-DD{T|t| }hh:mm:ss[.fraction]
 *	then Z, z or +hh:mm / -hh:mm, required (the space is the note
 *	in 5.6, and what CRI and many loggers write).
 * unix, unix_ms, unix_us, unix_ns	a number as auto reads it, in that unit.
 * a pattern	a strptime-like pattern of our own (timestamp.c lists its
 *	conversions), the same in the musl and glibc builds.
 *
 * Everywhere: a fraction has 1 digit or more, those past the ninth are
 * dropped (truncated, never rounded); a leap second :60 is read as the
 * last nanosecond of :59; hour 24 is not a time.  Times before 1970 or
 * past 2554-07-21T23:34:33.709551615Z (the largest uint64_t) are not
 * times here.  Nothing is read past len, and the text need not end with
 * a NUL; a NUL inside it matches nothing.
 */
#ifndef SIDELOG_TIMESTAMP_H
#define SIDELOG_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* "2554-07-21T23:34:33.709551615Z" and its NUL. */
#define TIMESTAMP_MAX	31

enum timestamp_fmt {
	TIMESTAMP_AUTO,
	TIMESTAMP_RFC3339,
	TIMESTAMP_UNIX,
	TIMESTAMP_UNIX_MS,
	TIMESTAMP_UNIX_US,
	TIMESTAMP_UNIX_NS,
	TIMESTAMP_PATTERN
};

int	timestamp_fmt_of(const char *, const char **why);
int	timestamp_parse(enum timestamp_fmt, const char *pattern,
	    const char *s, size_t len, uint64_t *ns);
size_t	timestamp_format(uint64_t ns, char *out);
int	timestamp_rfc3339(const char *, size_t, uint64_t *ns);

#endif
