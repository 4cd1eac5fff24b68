/*
 * confwatch.c: content changes of a few files, whatever the way they
 * were changed (written in place, replaced by rename, or, as the kubelet
 * does for ConfigMaps, Secrets and Downward API volumes, a "..data"
 * symlink renamed over).  Any event in a watched directory, and a timer
 * every CONFWATCH_RECHECK_MS, re-hash the files; a different hash is a
 * change.  A file that cannot be read keeps its old hash: a half-done
 * update is not a change, the next event or check will see the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "confwatch.h"
#include "hash.h"
#include "log.h"

#define CONFWATCH_MAX_FILE	(1024 * 1024)
#define CONFWATCH_MASK		(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | \
				    IN_MODIFY | IN_DELETE | IN_ATTRIB)

struct cfile {
	char		 path[PATH_MAX];
	uint64_t	 hash;
	int		 wd;
};

struct confwatch {
	struct loop		*lp;
	confwatch_fn		*fn;
	void			*arg;
	int			 ifd;
	struct loop_io		*io;
	struct loop_timer	*timer;
	struct cfile		 files[CONFWATCH_MAX];
	int			 n;
};

/* The content's hash; 0 when it cannot be read (not a valid hash). */
static uint64_t
content_hash(const char *path)
{
	char		*buf;
	ssize_t		 n;
	uint64_t	 h;
	int		 fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return 0;
	buf = malloc(CONFWATCH_MAX_FILE);
	n = buf != NULL ? read(fd, buf, CONFWATCH_MAX_FILE) : -1;
	close(fd);
	h = n < 0 ? 0 : hash_bytes(&hash_fp_key, buf, (size_t)n) | 1;
	free(buf);
	return h;
}

static void
check(struct confwatch *w)
{
	uint64_t	 h;
	int		 i;

	for (i = 0; i < w->n; i++) {
		h = content_hash(w->files[i].path);
		if (h == 0 || h == w->files[i].hash)
			continue;
		w->files[i].hash = h;
		w->fn(w->arg, w->files[i].path);
	}
}

static void
readable(void *arg, uint32_t events)
{
	struct confwatch	*w = arg;
	char			 buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));

	while (read(w->ifd, buf, sizeof(buf)) > 0)
		;
	check(w);
}

static void
recheck(void *arg)
{
	struct confwatch	*w = arg;

	check(w);
	loop_timer_set(w->timer, CONFWATCH_RECHECK_MS);
}

struct confwatch *
confwatch_new(struct loop *lp, confwatch_fn *fn, void *arg)
{
	struct confwatch	*w;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->lp = lp;
	w->fn = fn;
	w->arg = arg;
	w->timer = loop_timer_new(lp, recheck, w);
	if (w->timer == NULL) {
		free(w);
		return NULL;
	}
	/* Without inotify the periodic check alone does the job. */
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ifd != -1)
		w->io = loop_io_add(lp, w->ifd, EPOLLIN, readable, w);
	loop_timer_set(w->timer, CONFWATCH_RECHECK_MS);
	return w;
}

int
confwatch_add(struct confwatch *w, const char *path)
{
	struct cfile	*f;
	char		 dir[PATH_MAX];
	const char	*slash;

	if (w->n == CONFWATCH_MAX)
		return -1;
	f = &w->files[w->n++];
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->hash = content_hash(path);
	f->wd = -1;
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash == NULL ? 1 : slash == path ?
	    1 : (int)(slash - path), slash == NULL ? "." : path);
	if (w->ifd != -1)
		f->wd = inotify_add_watch(w->ifd, dir, CONFWATCH_MASK);
	if (w->ifd != -1 && f->wd == -1)
		log_debug("confwatch: %s: %s; checking every %dms", dir,
		    strerror(errno), CONFWATCH_RECHECK_MS);
	return 0;
}

/* Stops watching path; its directory stays watched while another file
 * in it is (inotify gives one descriptor per directory). */
void
confwatch_remove(struct confwatch *w, const char *path)
{
	int	 i, j;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->files[i].path, path) == 0)
			break;
	if (i == w->n)
		return;
	for (j = 0; j < w->n; j++)
		if (j != i && w->files[j].wd == w->files[i].wd)
			break;
	if (w->files[i].wd != -1 && j == w->n)
		inotify_rm_watch(w->ifd, w->files[i].wd);
	w->files[i] = w->files[--w->n];
}

void
confwatch_free(struct confwatch *w)
{
	if (w == NULL)
		return;
	loop_io_del(w->io);
	if (w->ifd != -1)
		close(w->ifd);
	loop_timer_free(w->timer);
	free(w);
}
