/*
 * logfmt.c: a logfmt line into JSON text (the grammar is in logfmt.h).
 *
 * One pass, no allocation: keys and bare values go through the record's
 * escaper (UTF-8 repaired, control bytes escaped), quoted values are
 * unquoted and escaped again in the same step.  Any bytes give valid
 * JSON or 0.
 */
#include <string.h>

#include "json.h"
#include "logfmt.h"
#include "record.h"

/*
 * What a byte is to logfmt, one look-up a byte: LF_SPACE ends a pair (CR
 * for CRLF files), LF_NOKEY may not be in a key, LF_ESC must be escaped
 * in JSON (or repaired: bytes from 0x80).  A run without LF_ESC is
 * copied as it is, not read again by the escaper.
 */
#define LF_SPACE	1
#define LF_NOKEY	2
#define LF_ESC		4
#define C_		(LF_NOKEY | LF_ESC)	/* control */
#define S_		(LF_SPACE | LF_NOKEY | LF_ESC)	/* \t, \r */
#define H_		LF_ESC			/* from 0x80 */

static const unsigned char lfc[256] = {
	C_, C_, C_, C_, C_, C_, C_, C_, C_, S_, C_, C_, C_, S_, C_, C_,
	C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_, C_,
	LF_SPACE | LF_NOKEY, 0, C_, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, LF_NOKEY, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, LF_ESC, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, C_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
	H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_, H_,
};

static int
is_space(unsigned char c)
{
	return (lfc[c] & LF_SPACE) != 0;
}

static int
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* The value of the \uXXXX at p, or -1. */
static long
hex4(const char *p, const char *end)
{
	long	 v = 0;
	int	 i;

	if (end - p < 6)
		return -1;
	for (i = 2; i < 6; i++) {
		if (!is_hex((unsigned char)p[i]))
			return -1;
		v = v * 16 + (p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' +
		    10);
	}
	return v;
}

/*
 * The \uXXXX at p as JSON at out: a surrogate pair as it is, a lone
 * surrogate as U+FFFD (strict readers refuse it, and so does json.c).
 * The bytes it took (6 or 12), as many as it wrote, or -1.
 */
static long
uescape(const char *p, const char *end, char *out)
{
	long	 v = hex4(p, end), lo;

	if (v < 0)
		return -1;
	if (v >= 0xd800 && v <= 0xdbff && end - p >= 12 && p[6] == '\\' &&
	    p[7] == 'u' && (lo = hex4(p + 6, end)) >= 0xdc00 && lo <= 0xdfff) {
		memcpy(out, p, 12);
		return 12;
	}
	if (v >= 0xd800 && v <= 0xdfff)
		memcpy(out, "\\ufffd", 6);
	else
		memcpy(out, p, 6);
	return 6;
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
	long		 n;

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
			n = uescape(p, end, o);
			if (n < 0)
				return -1;
			o += n;
			p += n;
			break;
		default:
			return -1;
		}
	}
	*o++ = '"';
	*used = (size_t)(p + 1 - s);
	return o - out;
}

/* s[0, len) as a JSON string at o; esc: whether a byte needs escaping. */
static char *
string(char *o, const char *s, size_t len, int esc)
{
	*o++ = '"';
	if (esc)
		o += record_escape(o, s, len);
	else {
		memcpy(o, s, len);
		o += len;
	}
	*o++ = '"';
	return o;
}

size_t
logfmt_json(const char *s, size_t len, char *out, struct json_obj *obj)
{
	const char	*p = s, *end = s + len, *key;
	char		*o = out, *name, *value;
	size_t		 used;
	long		 n;
	int		 pairs = 0, esc;

	*o++ = '{';
	for (;;) {
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p == end)
			break;
		for (key = p, esc = 0; p < end &&
		    !(lfc[(unsigned char)*p] & LF_NOKEY); p++)
			esc |= lfc[(unsigned char)*p];
		if (p == key || (p < end && *p != '=' &&
		    !is_space((unsigned char)*p)))
			return 0;
		if (o - out > 1)
			*o++ = ',';
		name = o;
		o = string(o, key, (size_t)(p - key), esc & LF_ESC);
		*o++ = ':';
		value = o;
		if (p == end || *p != '=') {
			memcpy(o, "true", 4);
			o += 4;
		} else if (pairs++, ++p < end && *p == '"') {
			n = quoted(p, end, o, &used);
			if (n < 0)
				return 0;
			o += n;
			p += used;
			if (p < end && !is_space((unsigned char)*p))
				return 0;
		} else {
			for (key = p, esc = 0; p < end &&
			    !(lfc[(unsigned char)*p] & LF_SPACE); p++)
				esc |= lfc[(unsigned char)*p];
			o = string(o, key, (size_t)(p - key), esc & LF_ESC);
		}
		if (obj != NULL && json_obj_add(obj, name + 1, (size_t)(value -
		    name) - 3, value, (size_t)(o - value)) == -1)
			return 0;
	}
	if (pairs == 0)
		return 0;
	*o++ = '}';
	return (size_t)(o - out);
}
