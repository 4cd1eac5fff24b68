/*
 * refused.c: the record of files sidelog refused to read, and why.
 *
 * Every scan finds a refused file again (every poll_interval, forever),
 * so it is warned about only when its (file, cause) is news: the first
 * time, when the cause changes, or once the record let it go because
 * the file was opened (refused_forget) or no full scan reported it
 * since the last one (gone, or readable: refused_sweep).  Files are
 * keyed by a 64-bit hash of their path under a key drawn at start, so
 * names an application chooses can neither be made to collide (one
 * would silence the other) nor pile up in one probe run.  The table has
 * 2 * REFUSED_MAX slots, made at start; a check is O(1), by linear
 * probing in a table at most half full.  Past REFUSED_MAX files one
 * warning says so and the rest are counted in silence, until a full scan
 * finds none over the bound.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "refused.h"

#define REFUSED_SLOTS	(2 * REFUSED_MAX)
#define REFUSED_MASK	((size_t)REFUSED_SLOTS - 1)

_Static_assert((REFUSED_SLOTS & (REFUSED_SLOTS - 1)) == 0,
    "REFUSED_SLOTS must be a power of two");

struct rslot {
	uint64_t	 key;		/* hash of the path; 0: free */
	int		 cause;		/* the one said; 0: none yet */
	unsigned	 scan;		/* the last scan that reported it */
};

struct refused {
	struct hash_key	 hkey;
	struct rslot	*slots;
	int		 n;
	unsigned	 scan;		/* full scans ended so far */
	int		 seen;		/* refused in the scan under way */
	int		 over;		/* of them, past REFUSED_MAX */
	int		 last;		/* refused in the last full scan */
	int		 said_full;
};

/* A key no application can guess; without entropy yet, the time and
 * pid still keep it from being a constant. */
static void
draw_key(struct hash_key *k)
{
	struct timespec	 ts;

	if (getrandom(k, sizeof(*k), GRND_NONBLOCK) == (ssize_t)sizeof(*k))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	k->k0 = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32);
	k->k1 = (uint64_t)getpid();
}

struct refused *
refused_new(void)
{
	struct refused	*r;

	r = calloc(1, sizeof(*r));
	if (r != NULL)
		r->slots = calloc(REFUSED_SLOTS, sizeof(*r->slots));
	if (r == NULL || r->slots == NULL) {
		log_error("reader: out of memory for the refused files");
		refused_free(r);
		return NULL;
	}
	draw_key(&r->hkey);
	return r;
}

void
refused_free(struct refused *r)
{
	if (r == NULL)
		return;
	free(r->slots);
	free(r);
}

static uint64_t
key_of(const struct refused *r, const char *path)
{
	uint64_t	 h = hash_bytes(&r->hkey, path, strlen(path));

	return h != 0 ? h : 1;	/* 0 marks a free slot */
}

/* The slot holding key, or the free one where it would go: there is
 * always one, the table being at most half full. */
static struct rslot *
find(struct refused *r, uint64_t key)
{
	size_t	 i = key & REFUSED_MASK;

	while (r->slots[i].key != 0 && r->slots[i].key != key)
		i = (i + 1) & REFUSED_MASK;
	return &r->slots[i];
}

/* Frees slot i and moves back each entry after it that a probe from its
 * home would no longer reach: no tombstones, so probes stay short. */
static void
drop(struct refused *r, size_t i)
{
	size_t	 j = i, home;

	for (;;) {
		j = (j + 1) & REFUSED_MASK;
		if (r->slots[j].key == 0)
			break;
		home = r->slots[j].key & REFUSED_MASK;
		if (((j - home) & REFUSED_MASK) >= ((j - i) & REFUSED_MASK)) {
			r->slots[i] = r->slots[j];
			i = j;
		}
	}
	r->slots[i].key = 0;
	r->n--;
}

static void
say(const char *path, const char *dir, int cause)
{
	if (cause == REFUSED_SYMLINK)
		log_warn("%s: symlink to a target outside %s (or not a "
		    "regular file), not followed", path, dir);
	else if (cause == REFUSED_IRREGULAR)
		log_warn("%s: not a regular file inside %s, not read", path,
		    dir);
	else
		log_warn("open %s: %s; not read", path, strerror(cause));
}

/* A file past REFUSED_MAX: counted, and the first one said for all.
 * One reported twice in a scan (two inputs, an event) counts twice. */
static int
full(struct refused *r)
{
	r->seen++;
	r->over++;
	if (r->said_full)
		return 0;
	r->said_full = 1;
	log_warn("more than %d files refused at once: the others are not "
	    "read either, and not named (sidelog_files_refused counts them)",
	    REFUSED_MAX);
	return 1;
}

/*
 * path, matching an input's globs in dir, is not read, for cause.  1 if
 * that was news and said (or the summary past REFUSED_MAX was), 0 if it
 * was said already or the record is full.
 */
int
refused_note(struct refused *r, const char *path, const char *dir,
    int cause)
{
	uint64_t	 key = key_of(r, path);
	struct rslot	*s = find(r, key);

	if (s->key == 0) {
		if (r->n == REFUSED_MAX)
			return full(r);
		r->n++;
		s->key = key;
		s->cause = 0;
		r->seen++;
	} else if (s->scan != r->scan)
		r->seen++;
	s->scan = r->scan;
	if (s->cause == cause)
		return 0;
	s->cause = cause;
	say(path, dir, cause);
	return 1;
}

/* path was opened, or is gone: a refusal after this is news again. */
void
refused_forget(struct refused *r, const char *path)
{
	struct rslot	*s;

	if (r->n == 0)
		return;		/* the usual case costs no hash */
	s = find(r, key_of(r, path));
	if (s->key == 0)
		return;
	if (s->scan == r->scan)
		r->seen--;
	drop(r, (size_t)(s - r->slots));
}

/* A full scan ended: the files it did not report are gone, readable, or
 * no longer match; they are let go. */
void
refused_sweep(struct refused *r)
{
	size_t	 i = 0;

	while (r->n > 0 && i < REFUSED_SLOTS) {
		if (r->slots[i].key != 0 && r->slots[i].scan != r->scan)
			drop(r, i);	/* may move another entry into i */
		else
			i++;
	}
	if (r->over == 0)
		r->said_full = 0;
	r->last = r->seen;
	r->seen = 0;
	r->over = 0;
	r->scan++;
}

/* Files refused in the last full scan, those past REFUSED_MAX too. */
int
refused_count(const struct refused *r)
{
	return r->last;
}
