/*
 * resolve.c: getaddrinfo(3) in a child process, its answer read back
 * through a pipe the loop watches.
 *
 * getaddrinfo blocks for as long as the resolver's timeouts and search
 * list make it: seconds when cluster DNS is in trouble (ndots:5 tries
 * every search domain).  In that time the one loop would read no file,
 * feed no stdout and answer no /healthz, and a liveness probe would
 * restart a sidecar that is only waiting.  A child keeps the loop free
 * without a second thread: it shares nothing, holds no descriptor of
 * ours (so no lock or socket outlives us through it), dies with us, and
 * its whole answer fits one pipe write, which is atomic.  If fork fails
 * the lookup runs in the loop, as it did before, and the answer is
 * handed over from a timer so that done never runs inside
 * resolve_start.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "resolve.h"

/* What the child writes: one pipe write, so at most PIPE_BUF bytes. */
struct answer {
	int			 rc;		/* getaddrinfo's, 0: found */
	int			 err;		/* errno for EAI_SYSTEM */
	int			 n;
	struct resolve_addr	 addrs[RESOLVE_MAX_ADDRS];
};

_Static_assert(sizeof(struct answer) <= PIPE_BUF,
    "a resolver answer must fit one atomic pipe write");

struct resolve {
	struct loop		*lp;
	struct loop_io		*io;
	struct loop_timer	*timer;		/* hands over a local answer */
	resolve_done_fn		*done;
	void			*arg;
	int			 fd;
	pid_t			 pid;
	size_t			 got;
	struct answer		 a;
};

static void
lookup(const char *host, int port, struct answer *a)
{
	struct addrinfo	 hints, *res, *ai;
	char		 serv[16];

	memset(a, 0, sizeof(*a));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(serv, sizeof(serv), "%d", port);
	a->rc = getaddrinfo(host, serv, &hints, &res);
	a->err = errno;
	if (a->rc != 0)
		return;
	for (ai = res; ai != NULL && a->n < RESOLVE_MAX_ADDRS;
	    ai = ai->ai_next) {
		if (ai->ai_addrlen > sizeof(a->addrs[0].sa))
			continue;
		a->addrs[a->n].family = ai->ai_family;
		a->addrs[a->n].socktype = ai->ai_socktype;
		a->addrs[a->n].protocol = ai->ai_protocol;
		a->addrs[a->n].len = ai->ai_addrlen;
		memcpy(&a->addrs[a->n].sa, ai->ai_addr, ai->ai_addrlen);
		a->n++;
	}
	freeaddrinfo(res);
}

/* Every descriptor but fd closed: the checkpoint's flock and the
 * backend's sockets must not live on in a child stuck in DNS. */
static void
close_others(int fd)
{
	struct rlimit	 rl;
	int		 i, max = 1024;

	if (syscall(SYS_close_range, fd + 1, ~0U, 0) == 0)
		max = fd;	/* above fd is done: only below it is left */
	else if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		max = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
	for (i = 3; i < max; i++)
		if (i != fd)
			close(i);
}

static void
child(int fd, const char *host, int port)
{
	struct answer	 a;
	ssize_t		 n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_others(fd);
	lookup(host, port, &a);
	n = write(fd, &a, sizeof(a));
	_exit(n == (ssize_t)sizeof(a) ? 0 : 1);
}

static void
finish(struct resolve *r, const char *error)
{
	r->done(r->arg, r->a.addrs, error == NULL ? r->a.n : 0, error);
	resolve_cancel(r);
}

static void
answered(struct resolve *r)
{
	char	 msg[160];

	if (r->got != sizeof(r->a)) {
		finish(r, "the resolver process ended without an answer");
		return;
	}
	if (r->a.rc == 0 && r->a.n > 0) {
		finish(r, NULL);
		return;
	}
	if (r->a.rc == EAI_SYSTEM)
		snprintf(msg, sizeof(msg), "%s", strerror(r->a.err));
	else if (r->a.rc != 0)
		snprintf(msg, sizeof(msg), "%s", gai_strerror(r->a.rc));
	else
		snprintf(msg, sizeof(msg), "no usable address");
	finish(r, msg);
}

static void
on_pipe(void *arg, uint32_t events)
{
	struct resolve	*r = arg;
	ssize_t		 n;

	for (;;) {
		n = read(r->fd, (char *)&r->a + r->got, sizeof(r->a) - r->got);
		if (n > 0) {
			r->got += (size_t)n;
			if (r->got < sizeof(r->a))
				continue;
		} else if (n == -1 && errno == EINTR)
			continue;
		else if (n == -1 && errno == EAGAIN)
			return;
		answered(r);
		return;
	}
}

static void
on_timer(void *arg)
{
	answered(arg);
}

/* fork failed: the lookup blocks the loop, as getaddrinfo always did. */
static int
start_local(struct resolve *r, const char *host, int port)
{
	log_warn("resolver: cannot fork (%s); resolving %s in the loop",
	    strerror(errno), host);
	r->timer = loop_timer_new(r->lp, on_timer, r);
	if (r->timer == NULL)
		return -1;
	lookup(host, port, &r->a);
	r->got = sizeof(r->a);
	loop_timer_set(r->timer, 0);
	return 0;
}

struct resolve *
resolve_start(struct loop *lp, const char *host, int port,
    resolve_done_fn *done, void *arg)
{
	struct resolve	*r;
	int		 p[2];

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->lp = lp;
	r->done = done;
	r->arg = arg;
	r->fd = -1;
	r->pid = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		free(r);
		return NULL;
	}
	r->pid = fork();
	if (r->pid == 0)
		child(p[1], host, port);
	close(p[1]);
	r->fd = p[0];
	if (r->pid == -1) {
		close(r->fd);
		r->fd = -1;
		if (start_local(r, host, port) == -1) {
			free(r);
			return NULL;
		}
		return r;
	}
	r->io = loop_io_add(lp, r->fd, EPOLLIN, on_pipe, r);
	if (r->io == NULL) {
		resolve_cancel(r);
		return NULL;
	}
	return r;
}

void
resolve_cancel(struct resolve *r)
{
	if (r == NULL)
		return;
	loop_io_del(r->io);
	loop_timer_free(r->timer);
	if (r->fd != -1)
		close(r->fd);
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	free(r);
}
