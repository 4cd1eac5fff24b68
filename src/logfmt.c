/*
 * logfmt.c: a logfmt line into JSON text (the grammar is in logfmt.h).
 *
 * One pass, no allocation: keys and bare values go through the record's
 * escaper (UTF-8 repaired, control bytes escaped), quoted values are
 * unquoted and escaped again in the same step.  Any bytes give valid
 * JSON or 0.
 */
#include <string.h>

#include "logfmt.h"
#include "record.h"

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r';	/* CRLF files */
}

static int
is_key_byte(unsigned char c)
{
	return c > ' ' && c != '=' && c != '"' && c != 0x7f;
}

static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/*
 * A quoted value at s (its opening quote), as a JSON string at out.
 * *used: the bytes it took, closing quote included.  -1: not Go's
 * quoting, or no closing quote.
 */
static long
quoted(const char *s, const char *end, char *out, size_t *used)
{
	const char	*p = s + 1, *run;
	char		*o = out;

	*o++ = '"';
	for (;;) {
		for (run = p; p < end && *p != '"' && *p != '\\'; p++)
			;
		o += record_escape(o, run, (size_t)(p - run));
		if (p == end)
			return -1;
		if (*p == '"')
			break;
		if (p + 1 == end)
			return -1;
		switch (p[1]) {
		case '"': case '\\': case 'n': case 'r': case 't': case 'b':
		case 'f':
			*o++ = '\\';
			*o++ = p[1];
			p += 2;
			break;
		case '/':
			*o++ = '/';
			p += 2;
			break;
		case 'u':
			if (end - p < 6 || !is_hex((unsigned char)p[2]) ||
			    !is_hex((unsigned char)p[3]) ||
			    !is_hex((unsigned char)p[4]) ||
			    !is_hex((unsigned char)p[5]))
				return -1;
			memcpy(o, p, 6);
			o += 6;
			p += 6;
			break;
		default:
			return -1;
		}
	}
	*o++ = '"';
	*used = (size_t)(p + 1 - s);
	return o - out;
}

static char *
string(char *o, const char *s, size_t len)
{
	*o++ = '"';
	o += record_escape(o, s, len);
	*o++ = '"';
	return o;
}

size_t
logfmt_json(const char *s, size_t len, char *out)
{
	const char	*p = s, *end = s + len, *key;
	char		*o = out;
	size_t		 used;
	long		 n;
	int		 pairs = 0;

	*o++ = '{';
	for (;;) {
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p == end)
			break;
		for (key = p; p < end && is_key_byte((unsigned char)*p); p++)
			;
		if (p == key || (p < end && *p != '=' &&
		    !is_space((unsigned char)*p)))
			return 0;
		if (o - out > 1)
			*o++ = ',';
		o = string(o, key, (size_t)(p - key));
		*o++ = ':';
		if (p == end || *p != '=') {
			memcpy(o, "true", 4);
			o += 4;
			continue;
		}
		pairs++;
		if (++p < end && *p == '"') {
			n = quoted(p, end, o, &used);
			if (n < 0)
				return 0;
			o += n;
			p += used;
			if (p < end && !is_space((unsigned char)*p))
				return 0;
			continue;
		}
		for (key = p; p < end && !is_space((unsigned char)*p); p++)
			;
		o = string(o, key, (size_t)(p - key));
	}
	if (pairs == 0)
		return 0;
	*o++ = '}';
	return (size_t)(o - out);
}
