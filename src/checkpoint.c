/*
 * checkpoint.c: the checkpoint file: its format, loading, atomic saving
 * and the lock that keeps it to one sidelog.
 *
 * The format is text, so that a person can read it, with a version line
 * and a last line holding the entry count and a CRC-32 of everything
 * before it:
 *
 *	sidelog-checkpoint 1
 *	INPUT INODE FP_LEN FP_HASH OFFSET PATH
 *	end COUNT CRC32
 *
 * PATH is escaped (\xNN for spaces, backslashes, control and non-ASCII
 * bytes) so each entry is one line.  Every file operation is relative to
 * a directory descriptor held open, and one descriptor is kept in
 * reserve so that a save can still open its temporary file when the
 * process has run out of descriptors.
 *
 * A save's two fsyncs can take tens or hundreds of milliseconds on a
 * network volume, and the loop must not wait for them (reading, stdout,
 * /healthz): the text is made on the loop and written by one thread of
 * the checkpoint's own, which touches nothing but that text and the
 * directory descriptor, never logs, and reports through an eventfd.
 * A text queued while one is being written replaces any older one not
 * yet started; a text the same as the last written is not written.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "checkpoint.h"
#include "hash.h"
#include "log.h"

#define CK_MAGIC	"sidelog-checkpoint 1\n"

struct checkpoint {
	char		 dir[PATH_MAX];
	char		 name[NAME_MAX + 1];
	int		 dirfd;
	int		 lockfd;
	int		 reserve;	/* closed to make room for a save */
	uint64_t	 last;		/* hash of the text last queued */
	int		 has_last;
	/* The writer thread; the rest is shared, under mu. */
	pthread_t	 th;
	int		 started;
	int		 efd;		/* it counts finished writes */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	char		*job;		/* the next text to write */
	size_t		 joblen;
	int		 busy, stop;
	int		 nok, nfailed;	/* since the loop last asked */
	int		 err;		/* errno of the last failure */
	const char	*step;		/* and what failed */
};

/* --- text ---------------------------------------------------------------- */

static size_t
escape_path(char *out, const char *p)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 o = 0;
	unsigned char		 c;

	for (; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (c <= ' ' || c >= 0x7f || c == '\\') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return o;
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
unescape_path(const char *s, const char *end, char out[PATH_MAX])
{
	size_t	 o = 0;
	int	 h, l;

	for (; s < end; s++) {
		if (o + 1 >= PATH_MAX)
			return -1;
		/* What escape_path escapes cannot stand raw: a NUL would cut
		 * the path short. */
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return -1;
		if (*s != '\\') {
			out[o++] = *s;
			continue;
		}
		if (end - s < 4 || s[1] != 'x')
			return -1;
		h = unhex(s[2]);
		l = unhex(s[3]);
		if (h < 0 || l < 0 || (h == 0 && l == 0))
			return -1;
		out[o++] = (char)(h * 16 + l);
		s += 3;
	}
	out[o] = '\0';
	return o > 0 ? 0 : -1;
}

/* A decimal or hex field ending at a space or the line end. */
static int
field_num(const char **sp, const char *end, int base, uint64_t *v)
{
	const char	*s = *sp;
	int		 d, n = 0;

	*v = 0;
	for (; s < end && *s != ' '; s++, n++) {
		d = base == 16 ? unhex(*s) : (*s >= '0' && *s <= '9' ?
		    *s - '0' : -1);
		if (d < 0 || *v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		*v = *v * (uint64_t)base + (uint64_t)d;
	}
	if (n == 0 || (base == 16 && n != 16) || s == end)
		return -1;
	*sp = s + 1;
	return 0;
}

static int
parse_entry(const char *s, const char *end, struct checkpoint_entry *e)
{
	const char	*sp = memchr(s, ' ', (size_t)(end - s));
	char		 path[PATH_MAX];
	uint64_t	 fplen;
	size_t		 i;

	memset(e, 0, sizeof(*e));
	if (sp == NULL || sp == s || sp - s > CONFIG_MAX_NAME)
		return -1;
	for (i = 0; s + i < sp; i++) {
		if (!config_name_char(s[i]))
			return -1;
		e->input[i] = s[i];
	}
	s = sp + 1;
	if (field_num(&s, end, 10, &e->inode) == -1 ||
	    field_num(&s, end, 10, &fplen) == -1 ||
	    fplen > CHECKPOINT_FP_MAX ||
	    field_num(&s, end, 16, &e->fp_hash) == -1 ||
	    field_num(&s, end, 10, &e->offset) == -1)
		return -1;
	e->fp_len = (uint32_t)fplen;
	if (unescape_path(s, end, path) == -1)
		return -1;
	e->path = strdup(path);
	return e->path == NULL ? -1 : 0;
}

/* The end line: its count and CRC over buf[0, crclen). */
static int
parse_end(const char *s, const char *end, size_t n, const char *buf,
    size_t crclen)
{
	uint64_t	 count, crc;

	if (end - s < 4 || memcmp(s, "end ", 4) != 0)
		return -1;
	s += 4;
	if (field_num(&s, end + 1, 10, &count) == -1 || count != n)
		return -1;
	if (end - s != 8)
		return -1;
	for (crc = 0; s < end; s++) {
		if (unhex(*s) < 0)
			return -1;
		crc = crc * 16 + (uint64_t)unhex(*s);
	}
	return crc == crc32(0, (const Bytef *)buf, (uInt)crclen) ? 0 : -1;
}

/*
 * Parses the whole file; on error *why says what and *line where.
 * The caller frees *out.
 */
static int
parse(const char *buf, size_t len, struct checkpoint_entry **out,
    size_t *n, const char **why, int *line)
{
	const char		*s, *nl, *end = buf + len;
	struct checkpoint_entry	*e;
	size_t			 cap = 16;

	*out = NULL;
	*n = 0;
	*line = 1;
	if (len < sizeof(CK_MAGIC) - 1 || memcmp(buf, CK_MAGIC,
	    sizeof(CK_MAGIC) - 1) != 0) {
		*why = "not a sidelog checkpoint (bad first line)";
		return -1;
	}
	e = malloc(cap * sizeof(*e));
	for (s = buf + sizeof(CK_MAGIC) - 1; e != NULL; s = nl + 1) {
		(*line)++;
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL) {
			*why = "cut short (no end line)";
			break;
		}
		if (strncmp(s, "end ", 4) == 0) {
			if (parse_end(s, nl, *n, buf, (size_t)(s - buf)) == -1 ||
			    nl + 1 != end) {
				*why = "end line does not match (count or CRC)";
				break;
			}
			*out = e;
			return 0;
		}
		if (*n == CHECKPOINT_MAX_ENTRIES) {
			*why = "too many entries";
			break;
		}
		if (*n == cap) {
			struct checkpoint_entry *ne;

			cap *= 2;
			ne = reallocarray(e, cap, sizeof(*e));
			if (ne == NULL) {
				*why = "out of memory";
				break;
			}
			e = ne;
		}
		if (parse_entry(s, nl, &e[*n]) == -1) {
			*why = "malformed entry";
			break;
		}
		(*n)++;
	}
	if (e == NULL)
		*why = "out of memory";
	checkpoint_entries_free(e, *n);
	*n = 0;
	return -1;
}

void
checkpoint_entries_free(struct checkpoint_entry *e, size_t n)
{
	size_t	 i;

	for (i = 0; e != NULL && i < n; i++)
		free((char *)e[i].path);
	free(e);
}

/* The file, read whole; NULL with errno ENOENT when there is none. */
static char *
slurp(int dirfd, const char *name, size_t *len)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || st.st_size > CHECKPOINT_MAX_BYTES) {
		close(fd);
		errno = EFBIG;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	*len = 0;
	while (buf != NULL && *len < (size_t)st.st_size) {
		n = read(fd, buf + *len, (size_t)st.st_size - *len);
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	return buf;
}

/* --- opening and locking -------------------------------------------------- */

static int
mkdirs(char *path)
{
	char	*p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) == -1 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0750) == -1 && errno != EEXIST ? -1 : 0;
}

static int
take_lock(struct checkpoint *c)
{
	char	 lock[NAME_MAX + 8];

	snprintf(lock, sizeof(lock), "%s.lock", c->name);
	c->lockfd = openat(c->dirfd, lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (c->lockfd == -1) {
		log_error("checkpoint: %s/%s: %s", c->dir, lock,
		    strerror(errno));
		return -1;
	}
	if (flock(c->lockfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK)
			log_error("checkpoint %s/%s is in use by another "
			    "sidelog (lock %s/%s held)", c->dir, c->name,
			    c->dir, lock);
		else
			log_error("checkpoint: lock %s/%s: %s", c->dir, lock,
			    strerror(errno));
		return -1;
	}
	return 0;
}

struct checkpoint *
checkpoint_open(const char *dir, const char *name)
{
	struct checkpoint	*c;
	int			 saved;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->dirfd = c->lockfd = c->reserve = c->efd = -1;
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	snprintf(c->name, sizeof(c->name), "%s", name);
	if (mkdirs(c->dir) == -1) {
		saved = errno;
		log_error("checkpoint: cannot create %s: %s", dir,
		    strerror(errno));
		goto fail;
	}
	c->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->dirfd == -1) {
		saved = errno;
		log_error("checkpoint: %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (take_lock(c) == -1) {
		saved = errno;
		goto fail;
	}
	c->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return c;
fail:
	checkpoint_close(c);
	errno = saved;
	return NULL;
}

static void	writer_stop(struct checkpoint *);

void
checkpoint_close(struct checkpoint *c)
{
	if (c == NULL)
		return;
	writer_stop(c);
	if (c->efd != -1)
		close(c->efd);
	if (c->lockfd != -1)
		close(c->lockfd);	/* releases the flock */
	if (c->dirfd != -1)
		close(c->dirfd);
	if (c->reserve != -1)
		close(c->reserve);
	free(c);
}

/* --- loading ---------------------------------------------------------------- */

/* A bad checkpoint is set aside (for a person to look at) and ignored:
 * files are then read from their start, which duplicates, never loses. */
static void
set_aside(struct checkpoint *c, const char *why, int line)
{
	char	 bad[NAME_MAX + 16];

	snprintf(bad, sizeof(bad), "%s.corrupt", c->name);
	log_warn("checkpoint %s/%s line %d: %s; treated as absent (files "
	    "are read again from their start) and kept as %s", c->dir,
	    c->name, line, why, bad);
	if (renameat(c->dirfd, c->name, c->dirfd, bad) == -1)
		log_warn("checkpoint: rename to %s: %s", bad, strerror(errno));
}

int
checkpoint_load(struct checkpoint *c, struct checkpoint_entry **out,
    size_t *n)
{
	const char	*why;
	size_t		 len;
	char		*buf;
	int		 line;

	*out = NULL;
	*n = 0;
	buf = slurp(c->dirfd, c->name, &len);
	if (buf == NULL && errno == ENOENT) {
		log_info("checkpoint %s/%s: none yet", c->dir, c->name);
		return 0;
	}
	if (buf == NULL) {
		set_aside(c, strerror(errno), 0);
		return 0;
	}
	if (parse(buf, len, out, n, &why, &line) == -1)
		set_aside(c, why, line);
	else
		log_info("checkpoint %s/%s: %zu files", c->dir, c->name, *n);
	free(buf);
	return 0;
}

int
checkpoint_read(const char *dir, const char *name,
    struct checkpoint_entry **out, size_t *n)
{
	const char	*why;
	size_t		 len;
	char		*buf;
	int		 dirfd, line;

	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	buf = dirfd == -1 ? NULL : slurp(dirfd, name, &len);
	if (buf == NULL) {
		log_error("checkpoint %s/%s: %s", dir, name, strerror(errno));
		if (dirfd != -1)
			close(dirfd);
		return -1;
	}
	close(dirfd);
	if (parse(buf, len, out, n, &why, &line) == -1) {
		log_error("checkpoint %s/%s line %d: %s", dir, name, line, why);
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

/* --- the text -------------------------------------------------------------- */

struct text {
	char	*buf;
	size_t	 len, cap;
};

static int
text_room(struct text *t, size_t need)
{
	char	*p;
	size_t	 cap = t->cap ? t->cap : 4096;

	while (cap - t->len < need)
		cap *= 2;
	if (cap == t->cap)
		return 0;
	p = realloc(t->buf, cap);
	if (p == NULL)
		return -1;
	t->buf = p;
	t->cap = cap;
	return 0;
}

static int
text_entry(struct text *t, const struct checkpoint_entry *e)
{
	size_t	 plen = strlen(e->path);

	/* The fields take at most 80 bytes, the path escaped four times its
	 * length. */
	if (text_room(t, strlen(e->input) + 4 * plen + 81) == -1)
		return -1;
	t->len += (size_t)snprintf(t->buf + t->len, t->cap - t->len,
	    "%s %llu %u %016llx %llu ", e->input, (unsigned long long)e->inode,
	    e->fp_len, (unsigned long long)e->fp_hash,
	    (unsigned long long)e->offset);
	t->len += escape_path(t->buf + t->len, e->path);
	t->buf[t->len++] = '\n';
	return 0;
}

/* The whole file's text, from the entries next() gives one by one (the
 * caller need not hold them all at once); NULL for lack of memory. */
char *
checkpoint_format(checkpoint_next_fn *next, void *arg, size_t *len)
{
	struct checkpoint_entry	 e;
	struct text		 t = { NULL, 0, 0 };
	size_t			 n = 0;

	if (text_room(&t, sizeof(CK_MAGIC)) == -1)
		return NULL;
	memcpy(t.buf, CK_MAGIC, sizeof(CK_MAGIC) - 1);
	t.len = sizeof(CK_MAGIC) - 1;
	while (next(arg, &e) == 1) {
		if (text_entry(&t, &e) == -1) {
			free(t.buf);
			return NULL;
		}
		n++;
	}
	if (text_room(&t, 64) == -1) {
		free(t.buf);
		return NULL;
	}
	t.len += (size_t)snprintf(t.buf + t.len, t.cap - t.len,
	    "end %zu %08lx\n", n, (unsigned long)crc32(0,
	    (const Bytef *)t.buf, (uInt)t.len));
	*len = t.len;
	return t.buf;
}

/* --- writing a text ----------------------------------------------------------- */

static int
open_tmp(struct checkpoint *c, const char *tmp)
{
	int	 fd;

	fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640);
	if (fd == -1 && (errno == EMFILE || errno == ENFILE) &&
	    c->reserve != -1) {
		close(c->reserve);
		c->reserve = -1;
		fd = openat(c->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0640);
	}
	return fd;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Temporary file, fsync, rename over, fsync of the directory: after a
 * crash at any point the checkpoint is the old one or the new one.
 * Runs on either thread and logs nothing: 0, or an errno with *step
 * saying what failed.
 */
static int
write_text(struct checkpoint *c, const char *buf, size_t len,
    const char **step)
{
	char	 tmp[NAME_MAX + 8];
	int	 fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", c->name);
	*step = "open";
	fd = open_tmp(c, tmp);
	if (fd == -1)
		return errno;
	if (write_all(fd, buf, len) == -1)
		*step = "write";
	else if (fsync(fd) == -1)
		*step = "fsync";
	else
		*step = NULL;
	if (*step != NULL)
		err = errno;
	if (close(fd) == -1 && err == 0) {
		*step = "close";
		err = errno;
	}
	if (err == 0 && renameat(c->dirfd, tmp, c->dirfd, c->name) == -1) {
		*step = "rename";
		err = errno;
	} else if (err == 0 && fsync(c->dirfd) == -1) {
		*step = "fsync of the directory";
		err = errno;
	}
	if (err != 0)
		unlinkat(c->dirfd, tmp, 0);
	if (c->reserve == -1)
		c->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return err;
}

/* --- the writer thread ---------------------------------------------------------- */

static void
writer_done(struct checkpoint *c, int err, const char *step)
{
	uint64_t	 one = 1;

	pthread_mutex_lock(&c->mu);
	c->busy = 0;
	if (err != 0) {
		c->nfailed++;
		c->err = err;
		c->step = step;
	} else
		c->nok++;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (write(c->efd, &one, sizeof(one)) == -1)
		return;		/* the count is full: the loop reads anyway */
}

static void *
writer_main(void *arg)
{
	struct checkpoint	*c = arg;
	const char		*step;
	char			*text;
	size_t			 len;
	int			 err;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (c->job == NULL && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->job == NULL)
			break;		/* stopping, and nothing left */
		text = c->job;
		len = c->joblen;
		c->job = NULL;
		c->busy = 1;
		pthread_mutex_unlock(&c->mu);
		err = write_text(c, text, len, &step);
		free(text);
		writer_done(c, err, step);
		pthread_mutex_lock(&c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* The writer starts with the first save queued; -1 if it cannot. */
static int
writer_start(struct checkpoint *c)
{
	sigset_t	 all, old;
	int		 rc;

	if (c->started)
		return 0;
	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->efd == -1)
		return -1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	/* Signals are the loop's (signalfd): the thread takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&c->th, NULL, writer_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->cv);
		errno = rc;
		return -1;
	}
	c->started = 1;
	return 0;
}

/* Waits until the writer has nothing under way or queued. */
static void
writer_idle(struct checkpoint *c)
{
	if (!c->started)
		return;
	pthread_mutex_lock(&c->mu);
	while (c->busy || c->job != NULL)
		pthread_cond_wait(&c->cv, &c->mu);
	pthread_mutex_unlock(&c->mu);
}

static void
writer_stop(struct checkpoint *c)
{
	if (!c->started)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->th, NULL);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	c->started = 0;
}

/* --- saving --------------------------------------------------------------------- */

/*
 * Hands a text made by checkpoint_format() to the writer, which frees
 * it; one the same as the last queued is dropped.  0 when queued or the
 * same; -1 if the writer could not start: the text is still the
 * caller's, to write in place (checkpoint_write).
 */
int
checkpoint_queue(struct checkpoint *c, char *text, size_t len)
{
	uint64_t	 h = hash_bytes(&hash_fp_key, text, len);

	if (c->has_last && h == c->last) {
		free(text);
		return 0;
	}
	if (writer_start(c) == -1) {
		log_error("checkpoint: no writer thread: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&c->mu);
	free(c->job);		/* an older one not started: superseded */
	c->job = text;
	c->joblen = len;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	c->last = h;
	c->has_last = 1;
	return 0;
}

/* The descriptor that turns readable when a queued write ended; -1
 * until the first checkpoint_queue(). */
int
checkpoint_fd(const struct checkpoint *c)
{
	return c->efd;
}

/*
 * After checkpoint_fd() turned readable: how many writes ended well
 * (*ok) and badly (the return value); a failure is logged, and the next
 * text is written even if it is the same.
 */
int
checkpoint_results(struct checkpoint *c, int *ok)
{
	uint64_t	 count;
	int		 failed;

	if (read(c->efd, &count, sizeof(count)) == -1 && errno != EAGAIN)
		log_warn("checkpoint: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&c->mu);
	*ok = c->nok;
	failed = c->nfailed;
	c->nok = c->nfailed = 0;
	if (failed > 0) {
		log_error("checkpoint %s/%s.tmp: %s: %s", c->dir, c->name,
		    c->step, strerror(c->err));
		c->has_last = 0;
	}
	pthread_mutex_unlock(&c->mu);
	return failed;
}

/*
 * Writes a text from checkpoint_format() now, on this thread, after what
 * the writer has under way, and frees it: the last save at exit.
 */
int
checkpoint_write(struct checkpoint *c, char *text, size_t len)
{
	const char	*step;
	int		 err;

	writer_idle(c);
	err = write_text(c, text, len, &step);
	if (err != 0) {
		log_error("checkpoint %s/%s.tmp: %s: %s", c->dir, c->name, step,
		    strerror(err));
		c->has_last = 0;
	} else {
		c->last = hash_bytes(&hash_fp_key, text, len);
		c->has_last = 1;
	}
	free(text);
	return err != 0 ? -1 : 0;
}

struct array {
	const struct checkpoint_entry	*e;
	size_t				 n, i;
};

static int
next_in_array(void *arg, struct checkpoint_entry *out)
{
	struct array	*a = arg;

	if (a->i == a->n)
		return 0;
	*out = a->e[a->i++];
	return 1;
}

/* The same from an array of entries. */
int
checkpoint_save(struct checkpoint *c, const struct checkpoint_entry *e,
    size_t n)
{
	struct array	 a = { e, n, 0 };
	char		*text;
	size_t		 len;

	text = checkpoint_format(next_in_array, &a, &len);
	if (text == NULL) {
		log_error("checkpoint: out of memory");
		return -1;
	}
	return checkpoint_write(c, text, len);
}
