/*
 * sink.c: the benchmark's backend: HTTP/1.1 over TLS (OpenSSL, a stack
 * that is not sidelog's) or plain, one thread per connection, that
 * inflates gzip bodies and counts records, answering 200 at once.  It
 * must never be the bottleneck, so it does nothing else: no JSON
 * parsing, no storage.  Every 100 ms it writes its totals to a file the
 * benchmark polls.  A record is a line that is not empty (rsyslog's
 * omelasticsearch ends each document with a blank line); a _bulk path
 * counts every other one (action lines are not records) and answers
 * with a reply without errors, an item a record.  It also counts the
 * bytes received as they came (the wire's: compressed when they were).
 *
 * Given a LATFILE (the steady-state benchmark), it also finds the
 * writer's "wt=NANOSECONDS" stamp (CLOCK_MONOTONIC) in every received
 * line and appends a pair of native 64-bit integers for each: that
 * stamp, and the time the line's request had its whole body in.
 *
 *   sink PORT STATSFILE [CERT KEY [LATFILE]]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <zlib.h>

#define BUF	(256 * 1024)
#define STAMPS	65536		/* per request; more than any batch */

static atomic_ullong	 records, bytes, requests, unstamped, wire;
static SSL_CTX		*ctx;
static int		 latfd = -1;
static pthread_mutex_t	 latmu = PTHREAD_MUTEX_INITIALIZER;

/* The stamps of one request's lines, found across chunk boundaries. */
struct stamps {
	long long	 v[STAMPS][2];	/* written, arrived */
	size_t		 n;
	int		 state;	/* bytes of "wt=" matched; 3: in the digits */
	long long	 cur;
};

struct conn {
	int	 fd;
	SSL	*ssl;
};

static ssize_t
rd(struct conn *c, void *buf, size_t len)
{
	if (c->ssl != NULL)
		return SSL_read(c->ssl, buf, (int)len);
	return read(c->fd, buf, len);
}

static int
wr(struct conn *c, const char *buf, size_t len)
{
	if (c->ssl != NULL)
		return SSL_write(c->ssl, buf, (int)len) == (int)len ? 0 : -1;
	return write(c->fd, buf, len) == (ssize_t)len ? 0 : -1;
}

/* Lines ended in p that are not empty; *prev: the byte before p. */
static unsigned long long
count_nl(const unsigned char *p, size_t n, unsigned char *prev)
{
	unsigned long long	 k = 0;
	const unsigned char	*start = p, *end = p + n;

	if (n == 0)
		return 0;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if ((p == start ? *prev : p[-1]) != '\n')
			k++;
		p++;
	}
	*prev = end[-1];
	return k;
}

static void
stamps_push(struct stamps *s)
{
	if (s->n < STAMPS)
		s->v[s->n++][0] = s->cur;
	else
		unstamped++;
	s->state = 0;
}

static void
stamps_scan(struct stamps *s, const unsigned char *p, size_t n)
{
	static const char	 mark[] = "wt=";
	size_t			 i;

	for (i = 0; i < n; i++) {
		if (s->state == 3) {
			if (p[i] >= '0' && p[i] <= '9') {
				s->cur = s->cur * 10 + (p[i] - '0');
				continue;
			}
			stamps_push(s);
		}
		if (p[i] == (unsigned char)mark[s->state])
			s->state++;
		else
			s->state = p[i] == 'w';
		if (s->state == 3)
			s->cur = 0;
	}
}

/* Appends each stamped line's pair, the body having arrived now. */
static void
stamps_flush(struct stamps *s)
{
	struct timespec	 ts;
	long long	 now;
	size_t		 i;

	if (s->state == 3)
		stamps_push(s);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	for (i = 0; i < s->n; i++)
		s->v[i][1] = now;
	pthread_mutex_lock(&latmu);
	if (write(latfd, s->v, s->n * sizeof(s->v[0])) == -1)
		perror("sink: latency file");
	pthread_mutex_unlock(&latmu);
	s->n = 0;
	s->state = 0;
}

/* Inflates (or not) one body of len bytes, of which have are in buf. */
static int
body(struct conn *c, char *buf, size_t have, size_t len, int gz, int bulk,
    unsigned long long *nrec)
{
	static __thread unsigned char	 out[BUF];
	static __thread struct stamps	 st;
	unsigned long long		 nl = 0, raw = 0;
	z_stream			 z;
	ssize_t				 n;
	size_t				 left = len;
	int				 rc = Z_OK;
	unsigned char			 prev = '\n';

	memset(&z, 0, sizeof(z));
	if (gz && inflateInit2(&z, 15 + 32) != Z_OK)
		return -1;
	while (left > 0) {
		if (have == 0) {
			n = rd(c, buf, left < BUF ? left : BUF);
			if (n <= 0)
				return -1;
			have = (size_t)n;
		}
		left -= have;
		if (!gz) {
			nl += count_nl((unsigned char *)buf, have, &prev);
			raw += have;
			if (latfd != -1)
				stamps_scan(&st, (unsigned char *)buf, have);
		}
		z.next_in = (unsigned char *)buf;
		z.avail_in = (unsigned)have;
		while (gz && z.avail_in > 0 && rc != Z_STREAM_END) {
			z.next_out = out;
			z.avail_out = sizeof(out);
			rc = inflate(&z, Z_NO_FLUSH);
			if (rc != Z_OK && rc != Z_STREAM_END)
				return -1;
			nl += count_nl(out, sizeof(out) - z.avail_out, &prev);
			raw += sizeof(out) - z.avail_out;
			if (latfd != -1)
				stamps_scan(&st, out, sizeof(out) - z.avail_out);
		}
		have = 0;
	}
	if (gz)
		inflateEnd(&z);
	if (latfd != -1)
		stamps_flush(&st);
	*nrec = bulk ? nl / 2 : nl;
	records += *nrec;
	bytes += raw;
	wire += len;
	requests++;
	return 0;
}

/* A _bulk reply without errors, one created item a record. */
static int
bulk_ok(struct conn *c, unsigned long long n)
{
	static const char	 item[] = "{\"create\":{\"status\":201}}";
	static __thread char	*r;
	static __thread size_t	 cap;
	size_t			 need = 128 + n * sizeof(item), len, i;
	char			 head[128];
	int			 hl;

	if (need > cap) {
		free(r);
		r = malloc(need);
		cap = r ? need : 0;
		if (r == NULL)
			return -1;
	}
	len = (size_t)sprintf(r, "{\"took\":0,\"errors\":false,\"items\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			r[len++] = ',';
		memcpy(r + len, item, sizeof(item) - 1);
		len += sizeof(item) - 1;
	}
	r[len++] = ']';
	r[len++] = '}';
	hl = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n", len);
	return wr(c, head, (size_t)hl) == -1 ? -1 : wr(c, r, len);
}

static void *
serve(void *arg)
{
	struct conn	*c = arg;
	static __thread char	 buf[BUF];
	size_t		 have = 0, len;
	char		*end, *cl, *ce, *p;
	ssize_t		 n;
	int		 gz, bulk;
	const char	*ok = "HTTP/1.1 200 OK\r\nContent-Type: application/json"
	    "\r\nContent-Length: 2\r\n\r\n{}";
	unsigned long long nrec;

	if (c->ssl != NULL && SSL_accept(c->ssl) != 1)
		goto out;
	for (;;) {
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end == NULL) {
			n = rd(c, buf + have, BUF - 1 - have);
			if (n <= 0)
				goto out;
			have += (size_t)n;
			continue;
		}
		*end = '\0';
		cl = strcasestr(buf, "\ncontent-length:");
		ce = strcasestr(buf, "\ncontent-encoding: gzip");
		bulk = strstr(buf, "_bulk") != NULL;
		len = cl ? strtoul(cl + 16, NULL, 10) : 0;
		gz = ce != NULL;
		p = end + 4;
		n = (ssize_t)(have - (size_t)(p - buf));
		if ((size_t)n > len)
			goto out;	/* no pipelining from our clients */
		if (body(c, p, (size_t)n, len, gz, bulk, &nrec) == -1)
			goto out;
		if (bulk ? bulk_ok(c, nrec) == -1 : wr(c, ok, strlen(ok)) == -1)
			goto out;
		have = 0;
	}
out:
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	close(c->fd);
	free(c);
	return NULL;
}

static void *
stats(void *arg)
{
	const char	*path = arg;
	char		 tmp[4096];
	FILE		*f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	for (;;) {
		f = fopen(tmp, "w");
		if (f != NULL) {
			fprintf(f, "%llu %llu %llu %llu %llu\n", records,
			    bytes, requests, unstamped, wire);
			fclose(f);
			rename(tmp, path);
		}
		usleep(100000);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in	 sa;
	pthread_t		 t;
	struct conn		*c;
	int			 lfd, fd, one = 1;

	if (argc != 3 && argc != 5 && argc != 6) {
		fprintf(stderr, "usage: sink PORT STATSFILE [CERT KEY "
		    "[LATFILE]]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (argc == 6) {
		latfd = open(argv[5], O_WRONLY | O_APPEND | O_CREAT | O_TRUNC,
		    0644);
		if (latfd == -1) {
			perror(argv[5]);
			return 1;
		}
	}
	if (argc >= 5) {
		ctx = SSL_CTX_new(TLS_server_method());
		if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx,
		    argv[3]) != 1 || SSL_CTX_use_PrivateKey_file(ctx, argv[4],
		    SSL_FILETYPE_PEM) != 1) {
			ERR_print_errors_fp(stderr);
			return 1;
		}
	}
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    listen(lfd, 64) == -1) {
		perror("sink: bind");
		return 1;
	}
	pthread_create(&t, NULL, stats, argv[2]);
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd == -1)
			continue;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		c->fd = fd;
		if (ctx != NULL) {
			c->ssl = SSL_new(ctx);
			SSL_set_fd(c->ssl, fd);
		}
		pthread_create(&t, NULL, serve, c);
		pthread_detach(t);
	}
}
