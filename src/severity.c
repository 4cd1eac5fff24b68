/*
 * severity.c: the value of level.key as a SeverityNumber and its range's
 * name (severity.h has the table).  A word is looked up lower-cased in a
 * fixed table, a number in syslog's or pino's levels; nothing is
 * allocated and nothing past len is read.  The caller keeps the text as
 * it was (severityText, log.level); this only says what it means.
 */
#include <string.h>

#include "severity.h"

/* Longer than any spelling ("informational"): unknown without a look. */
#define SEVERITY_WORD_MAX	16

static const char *const ranges[] = { "trace", "debug", "info", "warn",
    "error", "fatal" };

static const struct {
	const char	*word;
	int		 number;
} words[] = {
	{ "trace", 1 }, { "trc", 1 }, { "trce", 1 }, { "finest", 1 },
	{ "t", 1 },
	{ "debug", 5 }, { "dbg", 5 }, { "dbug", 5 }, { "d", 5 },
	{ "finer", 5 }, { "verbose", 5 }, { "vrb", 5 },
	{ "fine", 6 },
	{ "config", 7 },
	{ "info", 9 }, { "inf", 9 }, { "information", 9 },
	{ "informational", 9 }, { "i", 9 },
	{ "notice", 10 },
	{ "warn", 13 }, { "warning", 13 }, { "wrn", 13 }, { "w", 13 },
	{ "error", 17 }, { "err", 17 }, { "severe", 17 }, { "fail", 17 },
	{ "e", 17 },
	{ "crit", 18 }, { "critical", 18 }, { "dpanic", 18 },
	{ "alert", 19 }, { "panic", 19 },
	{ "fatal", 21 }, { "ftl", 21 }, { "emerg", 21 }, { "emergency", 21 },
	{ "f", 21 },
};

/* Syslog severities 0..7 (RFC 5424 section 6.2.1), then pino's and
 * bunyan's 10..60 in steps of 10. */
static const int syslog_numbers[] = { 21, 19, 18, 17, 13, 10, 9, 5 };
static const int pino_numbers[] = { 1, 5, 9, 13, 17, 21 };

/* One or two digits as a level number's SeverityNumber, or 0. */
static int
from_number(const char *s, size_t len)
{
	int	 v;

	if (len == 0 || len > 2 || s[0] < '0' || s[0] > '9' ||
	    (len == 2 && (s[1] < '0' || s[1] > '9')))
		return 0;
	v = len == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
	if (len == 1 && v <= 7)
		return syslog_numbers[v];
	if (len == 2 && v % 10 == 0 && v >= 10 && v <= 60)
		return pino_numbers[v / 10 - 1];
	return 0;
}

/* A lower-case word's SeverityNumber, or 0: a spelling of the table, or
 * a range's name with 2, 3 or 4 after it (OpenTelemetry's "ERROR2"). */
static int
from_word(const char *w, size_t len)
{
	size_t	 i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i].word) == 0)
			return words[i].number;
	if (len < 2 || w[len - 1] < '2' || w[len - 1] > '4')
		return 0;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (strlen(ranges[i]) == len - 1 &&
		    memcmp(w, ranges[i], len - 1) == 0)
			return (int)i * 4 + 1 + (w[len - 1] - '1');
	return 0;
}

int
severity_parse(const char *s, size_t len, struct severity *sv)
{
	char	 w[SEVERITY_WORD_MAX];
	size_t	 i;
	int	 n;

	sv->name = NULL;
	sv->number = 0;
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(w))
		return -1;
	for (i = 0; i < len; i++)
		w[i] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') :
		    s[i];
	w[len] = '\0';
	n = from_number(w, len);
	if (n == 0 && memchr(w, '\0', len) == NULL)
		n = from_word(w, len);
	if (n == 0)
		return -1;
	sv->number = n;
	sv->name = ranges[(n - 1) / 4];
	return 0;
}
