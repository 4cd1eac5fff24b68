/*
 * tail.c: one followed file.
 *
 * Identity is the inode plus a fingerprint of the first bytes (never the
 * device, which changes when a PVC moves to another node); the
 * fingerprint grows with the file up to CHECKPOINT_FP_MAX bytes, and
 * when it is compared is written above tail_check().  Two
 * offsets are kept apart: read_off, the first byte no record has taken
 * yet, and per sink the delivered offset, below which every byte reached
 * that sink.  Sinks may acknowledge out of order (requests in flight);
 * a delivered offset only moves over a contiguous run.  Truncation
 * (size below read_off, or the first bytes changed) starts the file
 * again from 0 under a new generation, and acknowledgements of the old
 * one are ignored.
 *
 * A tail may be closed ("parked") when sidelog follows more files than
 * it may hold open: its identity and offsets stay, and it is opened
 * again by its name when the file changes, and taken back only if the
 * name still leads to the same inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "refused.h"
#include "tail.h"

/* Ranges acknowledged ahead of the delivered offset start with room for
 * this many; there is one per gap, and a gap is a batch not delivered
 * yet, so memory_limit bounds them. */
#define TAIL_AHEAD_MIN	8
#define TAIL_ID_BYTES	1024	/* of the first line, in record ids */

struct range {
	uint64_t	 off, end;
};

struct tail {
	int		 fd;		/* -1: parked */
	int		 input;
	char		*path;		/* its name now */
	char		*name;		/* the name it was found by: for records */
	dev_t		 dev;		/* this run only: identity is inode + fp */
	ino_t		 ino;
	uint32_t	 fp_len;
	uint64_t	 fp_hash;
	uint64_t	 size;		/* at the last check */
	uint64_t	 size_before;	/* at the check before it */
	struct timespec	 mtime;		/* at the last check */
	uint64_t	 read_off;	/* first byte no record has taken */
	int		 has_back;	/* back_hash is known: */
	uint64_t	 back_hash;	/* of the TAIL_BACK bytes under read_off
					   (fewer near 0), as last consumed */
	int		 doubt;		/* compare the fingerprint at the next
					   check (scan, unpark) */
	uint64_t	 acked[TAIL_SINKS];	/* delivered below this, per sink */
	unsigned	 sinks;		/* bit per enum tail_sink in use */
	struct range	*ahead[TAIL_SINKS];	/* sorted, apart; as needed */
	int		 nahead[TAIL_SINKS];
	int		 capahead[TAIL_SINKS];
	unsigned	 gen;		/* bumped by each truncation */
	int		 refs;		/* ranges held by sinks */
	int		 gone;		/* its name went away: drain, let go */
	int		 unlinked;	/* no name at all at the last check:
					   held open, its blocks not freed */
	uint64_t	 skipped;	/* bytes lost to truncation */
	int		 has_ids;
	struct hash_key	 ids[2];	/* keys of this file's record ids */
};

/* The descriptor must name a regular file inside dir: a symlink may
 * have been swapped between the watcher's check and this open. */
static int
inside(int fd, const char *dir)
{
	char	 link[64], real[PATH_MAX];
	ssize_t	 n;
	size_t	 dl = strlen(dir);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, real, sizeof(real) - 1);
	if (n == -1)
		return 1;	/* no /proc: the watcher's check stands */
	real[n] = '\0';
	return strncmp(real, dir, dl) == 0 && real[dl] == '/';
}

/* Fingerprint of the first min(size, CHECKPOINT_FP_MAX) bytes. */
static int
fingerprint(struct tail *t, uint32_t len, uint64_t *hash)
{
	char	 buf[CHECKPOINT_FP_MAX];
	ssize_t	 n;

	n = pread(t->fd, buf, len, 0);
	if (n != (ssize_t)len)
		return -1;
	*hash = hash_bytes(&hash_fp_key, buf, len);
	return 0;
}

static void
grow_fingerprint(struct tail *t)
{
	uint32_t	 len;
	uint64_t	 h;

	if (t->fp_len == CHECKPOINT_FP_MAX || t->size <= t->fp_len)
		return;
	len = t->size < CHECKPOINT_FP_MAX ? (uint32_t)t->size :
	    CHECKPOINT_FP_MAX;
	if (fingerprint(t, len, &h) == 0) {
		t->fp_len = len;
		t->fp_hash = h;
	}
}

/* Whether the first fp_len bytes are others than when fingerprinted. */
static int
fp_changed(struct tail *t)
{
	uint64_t	 h;

	return t->fp_len > 0 && (fingerprint(t, t->fp_len, &h) == -1 ||
	    h != t->fp_hash);
}

/*
 * A quick hash of the bytes under the read offset.  Not SipHash: only
 * the file's writer can fool it, and what it would hide is a rewrite of
 * its own log, which the next scan finds anyway.
 */
static uint64_t
back_hash(const char *p, size_t n)
{
	uint64_t	 h = n * 0x9e3779b97f4a7c15ULL, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	for (; n > 0; n--)
		h = (h ^ (unsigned char)*p++) * 0x100000001b3ULL;
	return h;
}

static struct tail *
tail_new(int fd, int input, const char *path, const struct stat *st,
    unsigned sinks)
{
	struct tail	*t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->path = strdup(path);
	t->name = strdup(path);
	if (t->path == NULL || t->name == NULL) {
		free(t->path);
		free(t->name);
		free(t);
		return NULL;
	}
	t->fd = fd;
	t->input = input;
	t->dev = st->st_dev;
	t->ino = st->st_ino;
	t->size = (uint64_t)st->st_size;
	t->mtime = st->st_mtim;
	t->sinks = sinks;
	grow_fingerprint(t);
	return t;
}

/*
 * O_NONBLOCK: a FIFO planted under a log name must not hang the loop;
 * it is refused right after as not a regular file.  A refusal is not
 * logged here but returned in *why (an errno of open(2), ENOENT when the
 * name went away, or REFUSED_IRREGULAR; 0 for out of memory, which is
 * logged): the caller keeps the record that says each one once, where
 * here it would be said again at every scan.
 */
struct tail *
tail_open(int input, const char *path, const char *dir, unsigned sinks,
    int *why)
{
	struct stat	 st;
	struct tail	*t;
	int		 fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1) {
		*why = errno;
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || !inside(fd, dir)) {
		*why = REFUSED_IRREGULAR;
		close(fd);
		return NULL;
	}
	t = tail_new(fd, input, path, &st, sinks);
	if (t == NULL) {
		log_error("%s: out of memory", path);
		*why = 0;
		close(fd);
	}
	return t;
}

void
tail_close(struct tail *t)
{
	int	 s;

	if (t == NULL)
		return;
	for (s = 0; s < TAIL_SINKS; s++)
		free(t->ahead[s]);
	if (t->fd != -1)
		close(t->fd);
	free(t->path);
	free(t->name);
	free(t);
}

/* The same open file as st, within this run. */
int
tail_is(const struct tail *t, const struct stat *st)
{
	return t->dev == st->st_dev && t->ino == st->st_ino;
}

/* Closes the descriptor; identity and offsets stay. */
void
tail_park(struct tail *t)
{
	if (t->fd == -1)
		return;
	close(t->fd);
	t->fd = -1;
}

/*
 * Opens a parked tail again by its name.  The name must still lead to
 * the same inode (which also keeps a symlink swapped in since from
 * leading outside); whether its content is still the same is
 * tail_check's to find, as for an open file.  -1: another file, or none,
 * holds the name now.
 */
int
tail_unpark(struct tail *t)
{
	struct stat	 st;
	int		 fd;

	if (t->fd != -1)
		return 0;
	fd = open(t->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || !tail_is(t, &st)) {
		close(fd);
		return -1;
	}
	t->fd = fd;
	t->doubt = 1;
	return 0;
}

int
tail_is_open(const struct tail *t)
{
	return t->fd != -1;
}

/* Whether st, of the same file, says it changed since the last check. */
int
tail_changed(const struct tail *t, const struct stat *st)
{
	return (uint64_t)st->st_size != t->size ||
	    st->st_mtim.tv_sec != t->mtime.tv_sec ||
	    st->st_mtim.tv_nsec != t->mtime.tv_nsec;
}

/* Whether a checkpoint entry describes this file: the same inode, and
 * the same first fp_len bytes (an inode can be reused by a new file). */
int
tail_matches(struct tail *t, const struct checkpoint_entry *e)
{
	uint64_t	 h;

	if ((uint64_t)t->ino != e->inode || t->size < e->fp_len)
		return 0;
	if (e->fp_len == 0)
		return 1;
	return fingerprint(t, e->fp_len, &h) == 0 && h == e->fp_hash;
}

/*
 * A reload dropped what sinks held but had not delivered: reading goes
 * on from the delivered offset, for the sinks of the new configuration.
 * No sink holds a reference any more.
 */
void
tail_rewind(struct tail *t, int input, unsigned sinks)
{
	uint64_t	 d = tail_delivered(t);
	int		 s;

	t->input = input;
	t->sinks = sinks;
	t->read_off = d;
	t->has_back = 0;
	t->refs = 0;
	for (s = 0; s < TAIL_SINKS; s++) {
		t->acked[s] = d;
		t->nahead[s] = 0;
	}
}

/*
 * Starts reading at offset, below which everything was delivered.  A
 * file never shrinks but by truncation, so an offset past its end means
 * it was cut while nobody looked (copytruncate, then the same first
 * bytes written again): it is read again from 0, which may send lines
 * twice but loses none.
 */
void
tail_resume(struct tail *t, uint64_t offset)
{
	int	 s;

	if (offset > t->size) {
		log_warn("%s: the checkpoint's offset %llu is past its end "
		    "(%llu): it was truncated; reading again from the start",
		    t->path, (unsigned long long)offset,
		    (unsigned long long)t->size);
		offset = 0;
	}
	t->read_off = offset;
	t->has_back = 0;
	for (s = 0; s < TAIL_SINKS; s++)
		t->acked[s] = offset;
}

/* Cut or rewritten: what the file held past read_off when it was last
 * seen, was bytes, is lost; reading starts again from 0. */
static void
truncated(struct tail *t, uint64_t was, uint64_t size)
{
	int	 s;

	if (was > t->read_off)
		t->skipped += was - t->read_off;
	log_warn("%s: truncated (size %llu, read to %llu): reading again "
	    "from the start", t->path, (unsigned long long)size,
	    (unsigned long long)t->read_off);
	t->gen++;
	t->has_ids = 0;
	t->read_off = 0;
	t->has_back = 0;
	t->fp_len = 0;
	t->fp_hash = 0;
	for (s = 0; s < TAIL_SINKS; s++) {
		t->acked[s] = 0;
		t->nahead[s] = 0;
	}
	t->size = size;
	grow_fingerprint(t);
}

/*
 * copytruncate shows as a size below read_off, or as other first bytes
 * when the new content grew past read_off before we looked.  Comparing
 * the fingerprint (a pread of up to CHECKPOINT_FP_MAX bytes and a hash)
 * every check doubled the syscalls of a file appended a line at a time,
 * so it is compared only when a cheaper sign is missing or says so:
 * the file changed but did not grow (smaller, or the same size and a
 * new mtime); the read starts inside the fingerprinted bytes; the bytes
 * under read_off were not seen (after open, resume, rewind, truncation);
 * the periodic scan or an unpark asked (tail_verify, doubt).  Otherwise
 * tail_read() reads the TAIL_BACK bytes under read_off with the data, in
 * the same pread, and compares them with those consumed: a rewrite that
 * grew past read_off changes them, and the fingerprint is compared then.
 * What this gives up: a rewrite whose bytes under read_off are the same
 * as before (equal lines at equal offsets) but whose first bytes are not,
 * or one to the very size and mtime seen last, is found by the next scan
 * (poll_interval), not at once, and what was read from it in between is
 * read again from 0.
 */
enum tail_check
tail_check(struct tail *t)
{
	struct stat	 st;
	uint64_t	 size;
	int		 appended;

	if (fstat(t->fd, &st) == -1) {
		log_error("fstat %s: %s", t->path, strerror(errno));
		return TAIL_ERROR;
	}
	size = (uint64_t)st.st_size;
	t->unlinked = st.st_nlink == 0;
	/* Grown, or not changed at all: what appending looks like. */
	appended = size > t->size || (size == t->size &&
	    st.st_mtim.tv_sec == t->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == t->mtime.tv_nsec);
	if (size < t->read_off || ((!appended || t->doubt || !t->has_back ||
	    t->read_off < t->fp_len) && (size < t->fp_len ||
	    fp_changed(t)))) {
		truncated(t, t->size, size);
		t->mtime = st.st_mtim;
		t->doubt = 0;
		return TAIL_TRUNCATED;
	}
	t->doubt = 0;
	t->size_before = t->size;
	t->size = size;
	t->mtime = st.st_mtim;
	grow_fingerprint(t);
	return t->size > t->read_off ? TAIL_READY : TAIL_IDLE;
}

/* The next check compares the fingerprint, whatever the signs. */
void
tail_verify(struct tail *t)
{
	t->doubt = 1;
}

/*
 * Reads at read_off: the bytes read are at *data, and the TAIL_BACK
 * bytes under read_off (fewer near 0) before them, at buf, read in the
 * same pread.  If those differ from the ones consumed and so do the
 * first bytes, the file was rewritten: it is read again from 0.
 */
ssize_t
tail_read(struct tail *t, char *buf, size_t len, const char **data)
{
	size_t	 back = t->read_off < TAIL_BACK ? (size_t)t->read_off :
		    TAIL_BACK;
	ssize_t	 n;

	*data = buf;
	n = pread(t->fd, buf, len, (off_t)(t->read_off - back));
	if (n == -1) {
		log_error("read %s: %s", t->path, strerror(errno));
		return -1;
	}
	if ((size_t)n < back)
		return 0;	/* cut since the check: the next one says */
	if (t->has_back && back_hash(buf, back) != t->back_hash) {
		if (fp_changed(t)) {
			truncated(t, t->size_before, t->size);
			return tail_read(t, buf, len, data);
		}
		t->back_hash = back_hash(buf, back);	/* edited in place */
	}
	*data = buf + back;
	return n - (ssize_t)back;
}

/* Reads at off, past the read offset, which does not move: the rest of
 * a multiline record whose start was read before. */
ssize_t
tail_peek(struct tail *t, uint64_t off, char *buf, size_t len)
{
	ssize_t	 n;

	n = pread(t->fd, buf, len, (off_t)off);
	if (n == -1)
		log_error("read %s: %s", t->path, strerror(errno));
	return n;
}

/*
 * Records took the first n bytes at data, as tail_read() returned them
 * (data NULL: bytes read otherwise, the ones under read_off not kept).
 */
void
tail_consume(struct tail *t, const char *data, size_t n)
{
	size_t	 back;

	if (n == 0)
		return;
	t->read_off += n;
	back = t->read_off < TAIL_BACK ? (size_t)t->read_off : TAIL_BACK;
	t->has_back = data != NULL;
	if (data != NULL)
		t->back_hash = back_hash(data + n - back, back);
}

void
tail_ref(struct tail *t)
{
	t->refs++;
}

/* Folds the first range ahead into the delivered offset while it
 * touches it. */
static void
advance(struct tail *t, int s)
{
	struct range	*a = t->ahead[s];

	while (t->nahead[s] > 0 && a[0].off <= t->acked[s]) {
		if (a[0].end > t->acked[s])
			t->acked[s] = a[0].end;
		memmove(&a[0], &a[1], (size_t)--t->nahead[s] * sizeof(*a));
	}
}

static int
grow_ahead(struct tail *t, enum tail_sink s)
{
	struct range	*r;
	int		 cap = t->capahead[s] ? t->capahead[s] * 2 :
			    TAIL_AHEAD_MIN;

	r = reallocarray(t->ahead[s], (size_t)cap, sizeof(*r));
	if (r == NULL)
		return -1;
	t->ahead[s] = r;
	t->capahead[s] = cap;
	return 0;
}

/* The first range ahead that ends at or after off. */
static int
ahead_find(const struct range *a, int n, uint64_t off)
{
	int	 lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (a[mid].end < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Ranges ahead stay sorted and apart: a range touching others is merged
 * with them, so consecutive batches acknowledged early take one slot. */
static int
ahead_add(struct tail *t, enum tail_sink s, uint64_t off, uint64_t end)
{
	struct range	*a = t->ahead[s];
	int		 n = t->nahead[s], i = ahead_find(a, n, off), j;

	if (i < n && a[i].off <= end) {
		if (off < a[i].off)
			a[i].off = off;
		for (j = i + 1; j < n && a[j].off <= end; j++)
			;
		if (a[j - 1].end > end)
			end = a[j - 1].end;
		if (end > a[i].end)
			a[i].end = end;
		memmove(&a[i + 1], &a[j], (size_t)(n - j) * sizeof(*a));
		t->nahead[s] = n - (j - i - 1);
		return 0;
	}
	if (n == t->capahead[s] && grow_ahead(t, s) == -1)
		return -1;
	a = t->ahead[s];
	memmove(&a[i + 1], &a[i], (size_t)(n - i) * sizeof(*a));
	a[i].off = off;
	a[i].end = end;
	t->nahead[s]++;
	return 0;
}

/*
 * A sink took [off, end) of generation gen.  Releases the reference
 * the sink held.  Out-of-order ranges wait in ahead[] until the gap
 * before them closes.
 */
void
tail_ack(struct tail *t, enum tail_sink s, unsigned gen, uint64_t off,
    uint64_t end)
{
	t->refs--;
	if (gen != t->gen || end <= t->acked[s])
		return;
	if (off <= t->acked[s]) {
		t->acked[s] = end;
		advance(t, (int)s);
		return;
	}
	/* XXX out of memory, the range is forgotten and the delivered
	 * offset stops below it until a restart sends it again. */
	if (ahead_add(t, s, off, end) == -1)
		log_error("%s: out of memory for an acknowledgement ahead of "
		    "offset %llu", t->path, (unsigned long long)t->acked[s]);
}

uint64_t
tail_delivered(const struct tail *t)
{
	uint64_t	 d = t->read_off;
	int		 s;

	for (s = 0; s < TAIL_SINKS; s++)
		if ((t->sinks & (1u << s)) && t->acked[s] < d)
			d = t->acked[s];
	return d;
}

void
tail_entry(const struct tail *t, const char *input,
    struct checkpoint_entry *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->input, sizeof(e->input), "%s", input);
	e->inode = (uint64_t)t->ino;
	e->fp_len = t->fp_len;
	e->fp_hash = t->fp_hash;
	e->offset = tail_delivered(t);
	e->path = t->path;	/* valid while t is */
}

/*
 * The keys of this file's record ids.  The file's part of an id must not
 * change as the file grows (the same line keeps its id across restarts),
 * so it is the first line, up to TAIL_ID_BYTES, rather than the growing
 * fingerprint; with the inode it tells a new file on a reused inode.
 * Called when a record is about to be encoded, so the first line is
 * complete unless it was cut or flushed.
 */
const struct hash_key *
tail_ids(struct tail *t, const char *seed, const char *input)
{
	char	 buf[TAIL_ID_BYTES];
	ssize_t	 n;
	char	*nl;

	if (t->has_ids)
		return t->ids;
	n = pread(t->fd, buf, sizeof(buf), 0);
	if (n < 0)
		n = 0;
	nl = memchr(buf, '\n', (size_t)n);
	if (nl != NULL)
		n = nl - buf + 1;
	hash_id_key(t->ids, seed, input, (uint64_t)t->ino,
	    hash_bytes(&hash_fp_key, buf, (size_t)n));
	t->has_ids = 1;
	return t->ids;
}

int
tail_input(const struct tail *t)
{
	return t->input;
}

const char *
tail_path(const struct tail *t)
{
	return t->path;
}

const char *
tail_found_path(const struct tail *t)
{
	return t->name;
}

void
tail_set_path(struct tail *t, const char *path)
{
	char	*p = strdup(path);

	if (p == NULL)
		return;		/* keeps the old name: only cosmetic */
	free(t->path);
	t->path = p;
}

/* The file went away before its end was read (deleted while parked):
 * what was not read counts as skipped, and the tail is gone. */
void
tail_lost(struct tail *t)
{
	if (t->size > t->read_off) {
		log_warn("%s: deleted or replaced while closed; its last %llu "
		    "bytes were not read", t->path,
		    (unsigned long long)(t->size - t->read_off));
		t->skipped += t->size - t->read_off;
		t->size = t->read_off;
	}
	t->gone = 1;
}

int
tail_is_unlinked(const struct tail *t)
{
	return t->unlinked;
}

int
tail_is_gone(const struct tail *t)
{
	return t->gone;
}

void
tail_set_gone(struct tail *t, int gone)
{
	t->gone = gone;
}

unsigned
tail_gen(const struct tail *t)
{
	return t->gen;
}

uint64_t
tail_read_off(const struct tail *t)
{
	return t->read_off;
}

uint64_t
tail_size(const struct tail *t)
{
	return t->size;
}

uint64_t
tail_skipped(const struct tail *t)
{
	return t->skipped;
}

/* Nothing held by a sink and everything read was delivered. */
int
tail_is_idle(const struct tail *t)
{
	return t->refs == 0 && tail_delivered(t) == t->read_off;
}

uint64_t
tail_inode(const struct tail *t)
{
	return (uint64_t)t->ino;
}
