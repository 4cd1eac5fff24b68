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
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "checkpoint.h"
#include "log.h"

#define CK_MAGIC	"sidelog-checkpoint 1\n"

struct checkpoint {
	char	 dir[PATH_MAX];
	char	 name[NAME_MAX + 1];
	int	 dirfd;
	int	 lockfd;
	int	 reserve;	/* closed to make room for a save */
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
unescape_path(const char *s, const char *end, char *out)
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
	return unescape_path(s, end, e->path);
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
	free(e);
	*n = 0;
	return -1;
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
	c->dirfd = c->lockfd = c->reserve = -1;
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

void
checkpoint_close(struct checkpoint *c)
{
	if (c == NULL)
		return;
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

/* --- saving ------------------------------------------------------------------ */

static char *
format(const struct checkpoint_entry *e, size_t n, size_t *len)
{
	char	*buf, path[4 * PATH_MAX];
	size_t	 cap = sizeof(CK_MAGIC) + 64, o, i;

	/* Each entry: its fields (at most 80 bytes) and its escaped path. */
	for (i = 0; i < n; i++)
		cap += strlen(e[i].input) + 4 * strlen(e[i].path) + 80;
	buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	o = (size_t)snprintf(buf, cap, "%s", CK_MAGIC);
	for (i = 0; i < n; i++) {
		escape_path(path, e[i].path);
		o += (size_t)snprintf(buf + o, cap - o, "%s %llu %u %016llx "
		    "%llu %s\n", e[i].input, (unsigned long long)e[i].inode,
		    e[i].fp_len, (unsigned long long)e[i].fp_hash,
		    (unsigned long long)e[i].offset, path);
	}
	o += (size_t)snprintf(buf + o, cap - o, "end %zu %08lx\n", n,
	    (unsigned long)crc32(0, (const Bytef *)buf, (uInt)o));
	*len = o;
	return buf;
}

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

/* Temporary file, fsync, rename over, fsync of the directory: after a
 * crash at any point the checkpoint is the old one or the new one. */
int
checkpoint_save(struct checkpoint *c, const struct checkpoint_entry *e,
    size_t n)
{
	char	 tmp[NAME_MAX + 8], *buf;
	size_t	 len;
	int	 fd, rc = -1;

	buf = format(e, n, &len);
	if (buf == NULL) {
		log_error("checkpoint: out of memory");
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->name);
	fd = open_tmp(c, tmp);
	if (fd != -1 && write_all(fd, buf, len) == 0 && fsync(fd) == 0 &&
	    close(fd) == 0) {
		fd = -1;
		if (renameat(c->dirfd, tmp, c->dirfd, c->name) == 0 &&
		    fsync(c->dirfd) == 0)
			rc = 0;
	}
	if (rc == -1) {
		log_error("checkpoint %s/%s: %s", c->dir, tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		unlinkat(c->dirfd, tmp, 0);
	}
	if (c->reserve == -1)
		c->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	free(buf);
	return rc;
}
