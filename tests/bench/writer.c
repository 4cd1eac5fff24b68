/*
 * writer.c: the steady-state benchmark's application: appends lines to a
 * file at a fixed rate, each stamped with its write time so that the sink
 * can tell every line's latency.  A line is one of the template's (the
 * benchmark's line shape) with its leading timestamp replaced by "wt="
 * and CLOCK_MONOTONIC nanoseconds, the clock the sink reads too.
 *
 * Writes go in bursts on a 1 ms tick (one line a tick below 1,000
 * lines/s) against an absolute schedule: a late wake-up writes what fell
 * due meanwhile, so the rate holds and the lateness is reported, not
 * hidden.  It prints lines written, seconds taken and the most a burst
 * ran behind its schedule, in microseconds.
 *
 *   writer FILE RATE SECONDS TEMPLATE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TEMPLATE_MAX	(1024 * 1024)	/* bytes of template read */
#define LINES_MAX	8192		/* template lines kept */
#define BURST_MAX	1000		/* lines in one write(2) */
#define LINE_MAX_LEN	1024		/* longer template lines skipped */
#define TICK_NS		1000000LL	/* shortest time between bursts */

struct tline {
	const char	*p;	/* after the leading timestamp and space */
	size_t		 len;	/* including the newline */
};

static long long
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static size_t
load(const char *path, char *buf, struct tline *tl)
{
	size_t	 have = 0, n = 0;
	ssize_t	 r;
	char	*p, *nl, *sp;
	int	 fd;

	fd = open(path, O_RDONLY);
	if (fd == -1)
		return 0;
	while (have < TEMPLATE_MAX) {
		r = read(fd, buf + have, TEMPLATE_MAX - have);
		if (r <= 0)
			break;
		have += (size_t)r;
	}
	close(fd);
	for (p = buf; n < LINES_MAX; p = nl + 1) {
		nl = memchr(p, '\n', have - (size_t)(p - buf));
		if (nl == NULL)
			break;
		sp = memchr(p, ' ', (size_t)(nl - p));
		if (sp == NULL || nl - sp > LINE_MAX_LEN)
			continue;
		tl[n].p = sp + 1;
		tl[n].len = (size_t)(nl - sp);
		n++;
	}
	return n;
}

/* Writes lines [from, to) of the run, all stamped t. */
static int
burst(int fd, const struct tline *tl, size_t ntl, long long from,
    long long to, long long t)
{
	static char	 out[BURST_MAX * (LINE_MAX_LEN + 32)];
	size_t		 len;
	long long	 i;
	int		 k;

	while (from < to) {
		len = 0;
		for (i = from; i < to && i - from < BURST_MAX; i++) {
			k = snprintf(out + len, 32, "wt=%019lld ", t);
			len += (size_t)k;
			memcpy(out + len, tl[i % ntl].p, tl[i % ntl].len);
			len += tl[i % ntl].len;
		}
		if (write(fd, out, len) != (ssize_t)len)
			return -1;
		from = i;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static char	 tbuf[TEMPLATE_MAX];
	static struct tline tl[LINES_MAX];
	struct timespec	 ts;
	long long	 rate, total, tick, t0, next, now, due, n = 0;
	long long	 late = 0;
	size_t		 ntl;
	int		 fd;

	if (argc != 5) {
		fprintf(stderr, "usage: writer FILE RATE SECONDS TEMPLATE\n");
		return 2;
	}
	rate = strtoll(argv[2], NULL, 10);
	total = rate * strtoll(argv[3], NULL, 10);
	ntl = load(argv[4], tbuf, tl);
	fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (rate <= 0 || ntl == 0 || fd == -1) {
		fprintf(stderr, "writer: bad rate, template or file: %s\n",
		    strerror(errno));
		return 1;
	}
	tick = 1000000000LL / rate > TICK_NS ? 1000000000LL / rate : TICK_NS;
	t0 = now_ns();
	for (next = t0; n < total; next += tick) {
		ts.tv_sec = next / 1000000000LL;
		ts.tv_nsec = next % 1000000000LL;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
		    NULL) == EINTR)
			;
		now = now_ns();
		if (now - next > late)
			late = now - next;
		/* Lines due by now; __int128 as rate * ns overflows 2^63. */
		due = (long long)((__int128)(now - t0) * rate / 1000000000LL) + 1;
		if (due > total)
			due = total;
		if (due > n && burst(fd, tl, ntl, n, due, now) == -1) {
			perror("writer: write");
			return 1;
		}
		if (due > n)
			n = due;
	}
	printf("%lld %.3f %lld\n", n, (now_ns() - t0) / 1e9, late / 1000);
	return 0;
}
