/*
 * log.c: write sidelog's own log lines to stderr.
 *
 * One write(2) per line, so lines from sidelog and from a `tee` child
 * sharing stderr never interleave mid-line.  The level is the one piece
 * of process-wide state outside main.c: every module logs, and threading
 * a context through all of them for one integer buys nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_level	 level = LOG_INFO;
static const char	*names[] = { "error", "warn", "info", "debug" };

void
log_set_level(enum log_level l)
{
	level = l;
}

/* Copies msg into out, escaping bytes a terminal or a log parser would
 * misread: the result is always one line. */
static size_t
escape(char *out, size_t len, const char *msg)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 o = 0;
	unsigned char		 c;

	for (; *msg != '\0' && o + 4 < len; msg++) {
		c = (unsigned char)*msg;
		if (c < 0x20 || c == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		} else
			out[o++] = (char)c;
	}
	return o;
}

static void	vlog(enum log_level, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

static void
vlog(enum log_level l, const char *fmt, va_list ap)
{
	char		 msg[LOG_MAXLINE], line[LOG_MAXLINE + 64];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;
	int		 saved = errno;

	if (l > level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ %s ",
	    ts.tv_nsec / 1000000, names[l]);
	n += escape(line + n, sizeof(line) - n - 1, msg);
	line[n++] = '\n';
	/* Nothing useful can be done if stderr is gone. */
	if (write(STDERR_FILENO, line, n) == -1)
		(void)0;
	errno = saved;
}

#define LOG_FN(fn, l)						\
void								\
fn(const char *fmt, ...)					\
{								\
	va_list	 ap;						\
								\
	va_start(ap, fmt);					\
	vlog(l, fmt, ap);					\
	va_end(ap);						\
}
LOG_FN(log_error, LOG_ERROR)
LOG_FN(log_warn, LOG_WARN)
LOG_FN(log_info, LOG_INFO)
LOG_FN(log_debug, LOG_DEBUG)
