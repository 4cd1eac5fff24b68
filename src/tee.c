/*
 * tee.c: `sidelog tee`: run a command (or read stdin), pass its stdout
 * and stderr through byte for byte, and append each line to PATH, which
 * rotates by rename at --max-size into PATH.1 ... PATH.N.
 *
 * The pass-through comes first: the file is written only after the bytes
 * went out, and a file that fails (full disk, read-only, gone) is logged
 * once and skipped, the lines counted, and tried again at most once a
 * second; its end is logged once a line is in it again.  PATH holds whole
 * lines only: one a full disk tore is cut off before the next goes in.
 * Writes to our own stdout and stderr block, which is a pipe's
 * natural backpressure on the command.  With a command, sidelog may be
 * PID 1 of its container: it forwards the usual signals, reaps every
 * zombie, and exits with the command's status (128+N for signal N) once
 * the command exited and its pipes are drained.  One process, poll(2),
 * no threads: this mode has nothing else to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tee.h"

#define TEE_READ	(64 * 1024)
#define TEE_LINE	(16 * 1024)	/* the kubelet's partial-line size */
#define TEE_RETRY_MS	1000
#define TEE_LINGER_MS	2000	/* pipes held open by a grandchild */

/*
 * The rotating file.  size is what PATH holds, in whole lines: rotation
 * is decided on it, so a cut torn line is taken off it too.  While
 * failed_at is set, PATH is tried again once a second.
 */
struct rfile {
	const struct tee_opts	*o;
	int			 fd;		/* -1: closed after a failure */
	uint64_t		 size;		/* bytes in PATH */
	off_t			 torn;		/* a torn line starts here; -1 */
	uint64_t		 failed_at;	/* ms; 0: working */
	uint64_t		 skipped;	/* lines not written since */
};

/* One stream's line in the making. */
struct stream {
	int		 in;		/* the pipe, -1 at EOF */
	int		 out;		/* our fd it passes to */
	const char	*name;		/* "stdout" or "stderr", for cri */
	char		 line[TEE_LINE];
	size_t		 len;
};

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The bytes written before a failure, len if none; errno says why. */
static size_t
write_some(int fd, const char *p, size_t len)
{
	size_t	 done = 0;
	ssize_t	 n;

	while (done < len) {
		n = write(fd, p + done, len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			break;
		}
		done += (size_t)n;
	}
	return done;
}

static int
write_all(int fd, const char *p, size_t len)
{
	return write_some(fd, p, len) == len ? 0 : -1;
}

/* --- the rotating file ------------------------------------------------ */

/* Logged at the onset only: a full disk fails every line and retry. */
static void
rf_fail(struct rfile *f, const char *what)
{
	if (f->failed_at == 0)
		log_error("tee: %s %s: %s; lines are passed through but not "
		    "written until it works again", what, f->o->out,
		    strerror(errno));
	f->failed_at = now_ms();
}

static void
rf_close(struct rfile *f)
{
	if (f->fd != -1)
		close(f->fd);
	f->fd = -1;
}

static int
rf_open(struct rfile *f)
{
	struct stat	 st;

	f->fd = open(f->o->out, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644);
	if (f->fd == -1 || fstat(f->fd, &st) == -1) {
		rf_fail(f, "open");
		rf_close(f);
		return -1;
	}
	f->size = (uint64_t)st.st_size;
	return 0;
}

/* Cuts the torn line off; 0 when none is left. */
static int
rf_cut(struct rfile *f)
{
	if (f->torn == -1)
		return 0;
	if (ftruncate(f->fd, f->torn) == -1)
		return -1;
	f->size = (uint64_t)f->torn;
	f->torn = -1;
	return 0;
}

/*
 * A write that stopped part way (ENOSPC, EDQUOT, EFBIG) left a torn line
 * at the end of PATH, and the next line would be glued to it.  O_APPEND
 * left the offset at the end of our bytes wherever the end was (after a
 * copytruncate, size is stale), so the line starts done bytes before it.
 * PATH is closed, as a deleted PATH frees its space only then, unless
 * the cut failed: its retry needs this very file.
 */
static void
rf_tear(struct rfile *f, size_t done)
{
	off_t	 end;

	if (done > 0) {
		end = lseek(f->fd, 0, SEEK_CUR);
		f->torn = end == -1 ? (off_t)f->size : end - (off_t)done;
		if (rf_cut(f) == -1) {
			log_warn("tee: cutting a torn line off %s: %s; tried "
			    "again before the next line", f->o->out,
			    strerror(errno));
			return;
		}
	}
	rf_close(f);
}

/* Whether a line may go to PATH now.  After a failure, once a second (a
 * full disk fails fast, but each try costs a syscall or three): open
 * PATH again, or cut the torn line off the one still open. */
static int
rf_ready(struct rfile *f)
{
	uint64_t	 now;

	if (f->failed_at == 0)
		return 1;
	now = now_ms();
	if (now - f->failed_at < TEE_RETRY_MS)
		return 0;
	f->failed_at = now;
	if (f->fd == -1)
		return rf_open(f) == 0;
	return rf_cut(f) == 0;
}

/*
 * PATH.N-1 -> PATH.N ... PATH -> PATH.1; with no copies PATH goes.  If
 * PATH cannot go, the file has failed: writing on would take it past
 * max_size, and reopening it full would rotate, and warn, on every line.
 */
static int
rf_rotate(struct rfile *f)
{
	char	 from[PATH_MAX], to[PATH_MAX];
	int	 i;

	rf_close(f);
	for (i = f->o->max_files - 1; i >= 1; i--) {
		snprintf(from, sizeof(from), "%s.%d", f->o->out, i);
		snprintf(to, sizeof(to), "%s.%d", f->o->out, i + 1);
		if (rename(from, to) == -1 && errno != ENOENT &&
		    f->failed_at == 0)
			log_warn("tee: rename %s: %s", from, strerror(errno));
	}
	snprintf(to, sizeof(to), "%s.1", f->o->out);
	if (f->o->max_files > 0 ? rename(f->o->out, to) : unlink(f->o->out)) {
		rf_fail(f, "rotating");
		return -1;
	}
	return rf_open(f);
}

/*
 * One line (with its newline) into the file, rotating before it if the
 * file would pass max_size; failures cost the line, never the caller.
 * A failure ends when a line is in the file again, not when PATH opens:
 * a full disk still opens.
 */
static void
rf_write(struct rfile *f, const char *p, size_t len)
{
	size_t	 done;

	if (!rf_ready(f) || (f->size > 0 && f->size + len > f->o->max_size &&
	    rf_rotate(f) == -1)) {
		f->skipped++;
		return;
	}
	done = write_some(f->fd, p, len);
	if (done < len) {
		f->skipped++;
		rf_fail(f, "write");
		rf_tear(f, done);
		return;
	}
	f->size += len;
	if (f->failed_at != 0)
		log_info("tee: %s works again; %llu lines were not written",
		    f->o->out, (unsigned long long)f->skipped);
	f->failed_at = 0;
	f->skipped = 0;
}

/* --- lines ----------------------------------------------------------- */

/* A CRI line: TIMESTAMP STREAM P|F TEXT, the kubelet's format. */
static void
put_cri(struct rfile *f, const char *stream, int partial, const char *p,
    size_t len)
{
	char		 head[64], buf[TEE_LINE + 96];
	struct timespec	 ts;
	struct tm	 tm;
	size_t		 n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
	n = (size_t)snprintf(buf, sizeof(buf), "%.*s.%09ldZ %s %c ", (int)n,
	    head, ts.tv_nsec, stream, partial ? 'P' : 'F');
	memcpy(buf + n, p, len);
	buf[n + len] = '\n';
	rf_write(f, buf, n + len + 1);
}

/* A complete line (len bytes without newline), or a full fragment. */
static void
put_line(struct rfile *f, struct stream *s, int partial)
{
	if (f->o->cri) {
		put_cri(f, s->name, partial, s->line, s->len);
	} else {
		s->line[s->len] = '\n';
		/* A raw fragment keeps the bytes exact: no newline added. */
		rf_write(f, s->line, s->len + !partial);
	}
	s->len = 0;
}

static void
split(struct rfile *f, struct stream *s, const char *p, size_t n)
{
	const char	*nl;
	size_t		 take;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		take = nl ? (size_t)(nl - p) : n;
		if (take > TEE_LINE - 1 - s->len)
			take = TEE_LINE - 1 - s->len;
		memcpy(s->line + s->len, p, take);
		s->len += take;
		p += take;
		n -= take;
		if (n > 0 && *p == '\n') {
			put_line(f, s, 0);
			p++;
			n--;
		} else if (s->len == TEE_LINE - 1)
			put_line(f, s, 1);
	}
}

/* Reads what the pipe has; 0 at EOF. */
static int
pump(struct rfile *f, struct stream *s)
{
	char	 buf[TEE_READ];
	ssize_t	 n;

	n = read(s->in, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		if (s->len > 0)
			put_line(f, s, 0);	/* the last line, newline added */
		if (s->in != STDIN_FILENO)
			close(s->in);
		s->in = -1;
		return 0;
	}
	if (write_all(s->out, buf, (size_t)n) == -1 && errno != EPIPE)
		log_warn("tee: passing through: %s", strerror(errno));
	split(f, s, buf, (size_t)n);
	return 1;
}

/* --- the command ----------------------------------------------------- */

static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1,
    SIGUSR2, SIGWINCH };

static int
signals(void)
{
	sigset_t	 set;
	size_t		 i;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/*
 * The command starts as a shell would start it: every disposition at its
 * default, nothing blocked.  exec resets handlers but keeps SIG_IGN and
 * the mask, so our ignored SIGPIPE would make `yes | head -n1` print
 * "Broken pipe", and our blocked set would keep SIGTERM from it; what our
 * own parent ignored or blocked goes too.
 */
/* The kernel's struct sigaction (x86_64, arm64): handler, flags,
 * restorer, mask. */
struct ksigaction {
	void		(*handler)(int);
	unsigned long	 flags;
	void		(*restorer)(void);
	uint64_t	 mask;
};

static void
kernel_default(int sig)
{
	struct ksigaction	 k;

	memset(&k, 0, sizeof(k));
	k.handler = SIG_DFL;
	syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask));
}

static void
child_signals(void)
{
	sigset_t	 none;
	int		 sig;

	/* SIGKILL and SIGSTOP cannot change.  libc refuses to touch the
	 * signals it keeps for itself (32..34), which an ancestor may have
	 * left ignored all the same (GNU make does): the kernel is asked
	 * directly for those. */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    signal(sig, SIG_DFL) == SIG_ERR)
			kernel_default(sig);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * Forks CMD with its stdout and stderr on pipes.  exec's errno comes
 * back on a close-on-exec pipe: nothing read means it ran.
 */
static pid_t
spawn(char **argv, int out[2], int err[2], int *eno)
{
	int	 ep[2];
	pid_t	 pid;
	ssize_t	 n;

	if (pipe2(out, O_CLOEXEC) == -1 || pipe2(err, O_CLOEXEC) == -1 ||
	    pipe2(ep, O_CLOEXEC) == -1)
		return -1;
	pid = fork();
	if (pid == 0) {
		child_signals();
		dup2(out[1], STDOUT_FILENO);
		dup2(err[1], STDERR_FILENO);
		execvp(argv[0], argv);
		*eno = errno;
		if (write(ep[1], eno, sizeof(*eno)) == -1)
			_exit(127);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	close(ep[1]);
	*eno = 0;
	if (pid != -1) {
		n = read(ep[0], eno, sizeof(*eno));
		if (n != (ssize_t)sizeof(*eno))
			*eno = 0;
	}
	close(ep[0]);
	return pid;
}

/* Reaps every child (we may be PID 1); the command's status when it is
 * among them. */
static void
reap(pid_t child, int *status, int *done)
{
	pid_t	 pid;
	int	 st;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid <= 0)
			return;
		if (pid != child)
			continue;
		*done = 1;
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ?
		    128 + WTERMSIG(st) : 1;
	}
}

static void
on_signal(int sfd, pid_t child, int *status, int *done)
{
	struct signalfd_siginfo	 si;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(child, status, done);
		else if (child > 0 && !*done)
			kill(child, (int)si.ssi_signo);
	}
}

/* poll(2) over the pipes and the signals until the command is done and
 * its output drained (or, past TEE_LINGER_MS, held open by another). */
static int
run_loop(struct rfile *f, struct stream *s, int sfd, pid_t child)
{
	struct pollfd	 p[3];
	int		 status = 0, done = child <= 0, n, i;
	uint64_t	 ended = 0;

	for (;;) {
		if (s[0].in == -1 && s[1].in == -1 && done)
			return status;
		if (child > 0 && done && ended == 0)
			ended = now_ms();
		if (ended != 0 && now_ms() - ended > TEE_LINGER_MS)
			return status;
		for (i = 0; i < 2; i++) {
			p[i].fd = s[i].in;
			p[i].events = POLLIN;
		}
		p[2].fd = sfd;
		p[2].events = POLLIN;
		n = poll(p, 3, ended != 0 ? 100 : -1);
		if (n == -1 && errno != EINTR)
			return 1;
		for (i = 0; n > 0 && i < 2; i++)
			if (s[i].in != -1 && p[i].revents != 0)
				pump(f, &s[i]);
		if (n > 0 && p[2].revents != 0)
			on_signal(sfd, child, &status, &done);
	}
}

int
tee_main(const struct tee_opts *o)
{
	struct rfile	 f = { .o = o, .fd = -1, .torn = -1 };
	struct stream	 s[2];
	int		 out[2], err[2], sfd, eno, rc;
	pid_t		 child = 0;

	signal(SIGPIPE, SIG_IGN);
	memset(s, 0, sizeof(s));
	s[0] = (struct stream){ STDIN_FILENO, STDOUT_FILENO, "stdout" };
	s[1] = (struct stream){ -1, STDERR_FILENO, "stderr" };
	sfd = signals();
	if (sfd == -1) {
		log_error("tee: signals: %s", strerror(errno));
		return 1;
	}
	rf_open(&f);
	if (o->argv[0] != NULL) {
		child = spawn(o->argv, out, err, &eno);
		if (child == -1 || eno != 0) {
			log_error("tee: %s: %s", o->argv[0],
			    strerror(child == -1 ? errno : eno));
			return eno == ENOENT ? 127 : 126;
		}
		s[0].in = out[0];
		s[1].in = err[0];
	}
	rc = run_loop(&f, s, sfd, child);
	/* A torn line left would glue onto the next run's first line. */
	rf_cut(&f);
	rf_close(&f);
	close(sfd);
	return rc;
}
