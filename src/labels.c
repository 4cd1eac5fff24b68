/*
 * labels.c: the kubelet writes a Downward API labels file as lines of
 * key="value", the value quoted as Go's strconv.Quote does (\", \\, \n,
 * \t, \xNN, \uNNNN, \UNNNNNNNN, octal \NNN).  Lines that do not parse
 * are skipped with a warning: a label is metadata, never a reason to
 * stop shipping.  The decoded text goes into one buffer that the pairs
 * point into.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labels.h"
#include "log.h"
#include "value.h"

/* UTF-8 for a code point; invalid ones become U+FFFD. */
static size_t
utf8(char *out, unsigned long cp)
{
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* n hex digits at s; -1 if they are not. */
static long
hexn(const char *s, const char *end, int n)
{
	long	 v = 0;
	int	 i, d;

	if (end - s < n)
		return -1;
	for (i = 0; i < n; i++) {
		d = value_hex((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* One escape after the backslash at *sp; returns bytes written or -1. */
static int
unescape(const char **sp, const char *end, char *out)
{
	static const char	 from[] = "abfnrtv\\\"'", to[] = "\a\b\f\n\r\t\v\\\"'";
	const char		*s = *sp, *p;
	long			 v;
	int			 n;

	if (s == end)
		return -1;
	p = strchr(from, *s);
	if (p != NULL && *s != '\0') {
		out[0] = to[p - from];
		*sp = s + 1;
		return 1;
	}
	n = *s == 'x' ? 2 : *s == 'u' ? 4 : *s == 'U' ? 8 : 0;
	if (n > 0) {
		v = hexn(s + 1, end, n);
		if (v < 0)
			return -1;
		*sp = s + 1 + n;
		if (n == 2) {
			out[0] = (char)v;
			return 1;
		}
		return (int)utf8(out, (unsigned long)v);
	}
	if (end - s < 3 || s[0] < '0' || s[0] > '3' || s[1] < '0' ||
	    s[1] > '7' || s[2] < '0' || s[2] > '7')
		return -1;
	out[0] = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
	*sp = s + 3;
	return 1;
}

/* "value" starting at the quote; decoded into out, NUL-terminated. */
static int
unquote(const char *s, const char *end, char *out)
{
	size_t	 o = 0;
	int	 n;

	if (s == end || *s++ != '"')
		return -1;
	while (s < end && *s != '"') {
		if (*s != '\\') {
			out[o++] = *s++;
			continue;
		}
		s++;
		n = unescape(&s, end, out + o);
		if (n < 0)
			return -1;
		o += (size_t)n;
	}
	if (s == end || s + 1 != end)
		return -1;
	out[o] = '\0';
	return (int)o;
}

static int
parse_line(struct labels *l, const char *s, const char *end, char **w)
{
	const char	*eq = memchr(s, '=', (size_t)(end - s));
	size_t		 klen;

	if (eq == NULL || eq == s || l->n == LABELS_MAX)
		return -1;
	klen = (size_t)(eq - s);
	memcpy(*w, s, klen);
	(*w)[klen] = '\0';
	l->pairs[l->n].key = *w;
	*w += klen + 1;
	if (unquote(eq + 1, end, *w) < 0)
		return -1;
	l->pairs[l->n++].value = *w;
	*w += strlen(*w) + 1;
	return 0;
}

struct labels *
labels_parse(const char *text, size_t len)
{
	struct labels	*l;
	const char	*s = text, *end = text + len, *nl;
	char		*w;
	int		 line = 0;

	l = calloc(1, sizeof(*l));
	if (l != NULL) {
		l->pairs = calloc(LABELS_MAX, sizeof(*l->pairs));
		/* Decoding never grows the text: one byte each plus NULs. */
		l->store = malloc(len * 2 + 2);
	}
	if (l == NULL || l->pairs == NULL || l->store == NULL) {
		labels_free(l);
		return NULL;
	}
	for (w = l->store; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		line++;
		if (nl > s && parse_line(l, s, nl, &w) == -1)
			log_warn("labels: line %d is not key=\"value\"; "
			    "skipped", line);
	}
	return l;
}

struct labels *
labels_load(const char *path)
{
	struct labels	*l;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("labels_file %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(LABELS_MAX_FILE);
	n = buf != NULL ? read(fd, buf, LABELS_MAX_FILE) : -1;
	close(fd);
	if (n < 0) {
		log_warn("labels_file %s: %s", path, strerror(errno));
		free(buf);
		return NULL;
	}
	l = labels_parse(buf, (size_t)n);
	free(buf);
	return l;
}

void
labels_free(struct labels *l)
{
	if (l == NULL)
		return;
	free(l->pairs);
	free(l->store);
	free(l);
}
