/*
 * watch.c: inotify on the glob directories, with a stat scan behind it.
 *
 * Watches are registered before the first scan, so a file created in
 * between is reported by one or the other (perhaps both: the reader
 * takes a name it already follows as a no-op).  IN_Q_OVERFLOW and a
 * directory that vanished both turn into a full scan.  The periodic scan
 * runs every poll_interval in either mode: with inotify it catches what
 * a lost event would have hidden, without it it is the only source.
 * Symlinks are reported found only when their target stays inside the
 * glob's directory, and refused otherwise: the application that writes
 * there is less trusted than sidelog, which holds the backend's
 * credentials.
 *
 * Events may be read long after they happened (sidelog was stopped or
 * starved of CPU), when names already lead elsewhere: a file rotated
 * twice (app.log -> app.log.1 -> app.log.2) before it was read is at
 * neither name its first rename gave.  So a rotation is followed through
 * the renames after it in the same read, and reported once the queue is
 * empty, under the name the file has now.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "watch.h"

#define WATCH_MAX_DIRS	(CONFIG_MAX_INPUTS * 4)
#define WATCH_MASK	(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | \
			    IN_DELETE | IN_MODIFY | IN_DELETE_SELF | \
			    IN_MOVE_SELF | IN_ONLYDIR)
#define WATCH_EVBUF	(64 * (sizeof(struct inotify_event) + NAME_MAX + 1))
#define WATCH_ROTATIONS	64	/* followed at once; more are reported early */
/*
 * After a file grew, IN_MODIFY is off and every file is looked at each
 * WATCH_SETTLE_MS until one finds nothing new: an app writing a line at
 * a time costs a wakeup, an fstat and a read a settle, not a wakeup and
 * five system calls a line.  Names (create, rename, delete) keep coming at once, so
 * a file that lives for less than a settle is still opened in time.
 * Batches wait batch_timeout anyway.
 */
#define WATCH_SETTLE_MS	20
/*
 * While a batch waits for its batch_timeout anyway, a growing file is
 * read once, WATCH_MARGIN_MS before the batch leaves, not every settle:
 * its lines make the same batch.  A name that comes or goes in the
 * meantime (a rotation) has the files read at once, and so does a file
 * opened there by someone else: copytruncate opens the file to copy it
 * before it cuts it, wherever the copy goes, so what sidelog has not
 * read yet is read before the cut, not lost with it.
 */
#define WATCH_MARGIN_MS	10
#define WATCH_QUIET	((WATCH_MASK & ~(uint32_t)IN_MODIFY) | IN_OPEN)

struct wglob {
	int		 input;
	const char	*pattern;	/* the file-name part of the glob */
};

struct wdir {
	const char	*path;		/* as configured */
	char		 real[PATH_MAX];	/* "" until it exists */
	int		 wd;		/* -1: not watched by inotify */
	int		 warned_missing;
	int		 said_watch;	/* errno said for inotify_add_watch */
	int		 said_read;	/* errno said for opendir; 0: none */
	struct wglob	 globs[CONFIG_MAX_GLOBS];
	int		 nglobs;
};

/* A file renamed out of an input's globs, followed to where it is now. */
struct wrot {
	struct wdir	*d;
	int		 input;
	char		 name[NAME_MAX + 1];
};

struct watch {
	struct loop		*lp;
	const struct config	*cfg;
	const struct watch_ops	*ops;
	void			*arg;
	int			 ifd;		/* -1: polling only */
	struct loop_io		*io;
	struct loop_timer	*tick;
	struct loop_timer	*settle;	/* set: IN_MODIFY is off */
	int			 modified;	/* IN_MODIFY in this read */
	int			 named;		/* a name came or went */
	struct wdir		*dirs;
	int			 ndirs;
	uint32_t		 cookie;	/* of a pending IN_MOVED_FROM */
	char			 from[PATH_MAX];
	struct wdir		*from_dir;
	char			 from_name[NAME_MAX + 1];
	struct wrot		 rot[WATCH_ROTATIONS];
	int			 nrot;
};

static void	drop_inotify(struct watch *, const char *why, int err);

/* --- the directories ---------------------------------------------------- */

static struct wdir *
dir_for(struct watch *w, const char *path, size_t len)
{
	struct wdir	*d;
	char		*p;
	int		 i;

	for (i = 0; i < w->ndirs; i++)
		if (strlen(w->dirs[i].path) == len &&
		    strncmp(w->dirs[i].path, path, len) == 0)
			return &w->dirs[i];
	if (w->ndirs == WATCH_MAX_DIRS)
		return NULL;
	p = strndup(path, len);
	if (p == NULL)
		return NULL;
	d = &w->dirs[w->ndirs++];
	d->path = p;
	d->wd = -1;
	return d;
}

static int
add_globs(struct watch *w)
{
	const struct config_input	*in;
	const char			*slash;
	struct wdir			*d;
	int				 i, j;

	for (i = 0; i < w->cfg->ninputs; i++) {
		in = &w->cfg->inputs[i];
		for (j = 0; j < in->npaths; j++) {
			slash = strrchr(in->paths[j], '/');
			d = dir_for(w, in->paths[j], slash == in->paths[j] ?
			    1 : (size_t)(slash - in->paths[j]));
			if (d == NULL || d->nglobs == CONFIG_MAX_GLOBS) {
				log_error("watch: too many directories or "
				    "globs");
				return -1;
			}
			d->globs[d->nglobs].input = i;
			d->globs[d->nglobs++].pattern = slash + 1;
		}
	}
	return 0;
}

static int
excluded(const struct config_input *in, const char *name)
{
	int	 i;

	for (i = 0; i < in->nexclude; i++)
		if (fnmatch(in->exclude[i], name, FNM_PERIOD) == 0)
			return 1;
	return 0;
}

/* Whether name, in d, is one of the input's files. */
static int
matches(const struct watch *w, const struct wdir *d, const char *name,
    int input)
{
	int	 i;

	for (i = 0; i < d->nglobs; i++)
		if (d->globs[i].input == input &&
		    fnmatch(d->globs[i].pattern, name, FNM_PERIOD) == 0)
			return !excluded(&w->cfg->inputs[input], name);
	return 0;
}

/* Whether err is news for a directory: each scan tries again, and
 * would say the same failure every poll_interval. */
static int
news(int *said, int err)
{
	if (*said == err)
		return 0;
	*said = err;
	return 1;
}

/* Resolves the directory once it exists, and watches it if we can. */
static void
attach_dir(struct watch *w, struct wdir *d)
{
	if (d->real[0] == '\0' && realpath(d->path, d->real) == NULL) {
		d->real[0] = '\0';
		if (!d->warned_missing)
			log_warn("watch: %s: %s; looking again every "
			    "poll_interval", d->path, strerror(errno));
		d->warned_missing = 1;
		return;
	}
	if (d->warned_missing) {
		log_info("watch: %s exists now", d->path);
		d->said_watch = d->said_read = 0;	/* a new one */
	}
	d->warned_missing = 0;
	if (w->ifd == -1 || d->wd != -1)
		return;
	d->wd = inotify_add_watch(w->ifd, d->path, WATCH_MASK);
	if (d->wd == -1 && (errno == ENOSPC || errno == ENOMEM))
		drop_inotify(w, "no inotify watches left on this node "
		    "(fs.inotify.max_user_watches)", errno);
	else if (d->wd == -1) {
		if (news(&d->said_watch, errno))
			log_warn("watch: inotify on %s: %s", d->path,
			    strerror(errno));
	} else
		d->said_watch = 0;
}

/* --- symlinks ----------------------------------------------------------- */

/* A symlink is followed only to a regular file inside d's real path;
 * one that is not is reported refused, at every scan: the reader says
 * it once. */
static int
confined(struct watch *w, const struct wdir *d, const char *path)
{
	char		 target[PATH_MAX];
	size_t		 n = strlen(d->real);
	struct stat	 st;

	if (realpath(path, target) != NULL && strncmp(target, d->real, n) == 0
	    && target[n] == '/' && stat(target, &st) == 0 && S_ISREG(st.st_mode))
		return 1;
	w->ops->refused(w->arg, path, d->real);
	return 0;
}

/* --- reporting ---------------------------------------------------------- */

static void
report_name(struct watch *w, struct wdir *d, const char *name, int scan)
{
	char		 path[PATH_MAX];
	struct stat	 st;
	int		 i, checked = 0;

	if (snprintf(path, sizeof(path), "%s/%s", strcmp(d->path, "/") ?
	    d->path : "", name) >= (int)sizeof(path))
		return;
	for (i = 0; i < w->cfg->ninputs; i++) {
		if (!matches(w, d, name, i))
			continue;
		if (!checked) {
			if (lstat(path, &st) == -1)
				return;
			if (S_ISLNK(st.st_mode) && !confined(w, d, path))
				return;
			if (!S_ISLNK(st.st_mode) && !S_ISREG(st.st_mode))
				return;
			checked = 1;
		}
		w->ops->found(w->arg, i, path, d->real);
	}
	if (!scan && !checked)
		w->ops->changed(w->arg, path);
}

static void
scan_dir(struct watch *w, struct wdir *d)
{
	DIR		*dp;
	struct dirent	*de;

	attach_dir(w, d);
	if (d->real[0] == '\0')
		return;
	dp = opendir(d->path);
	if (dp == NULL) {
		if (news(&d->said_read, errno))
			log_warn("watch: %s: %s; looking again every "
			    "poll_interval", d->path, strerror(errno));
		d->real[0] = '\0';
		return;
	}
	d->said_read = 0;
	for (;;) {
		errno = 0;
		de = readdir(dp);
		if (de == NULL)
			break;
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			report_name(w, d, de->d_name, 1);
	}
	if (errno != 0)
		log_warn("watch: reading %s: %s", d->path, strerror(errno));
	closedir(dp);
}

int
watch_scan(struct watch *w)
{
	int	 i;

	for (i = 0; i < w->ndirs; i++)
		scan_dir(w, &w->dirs[i]);
	w->ops->scanned(w->arg);
	return 0;
}

static void
tick(void *arg)
{
	struct watch	*w = arg;

	watch_scan(w);
	loop_timer_set(w->tick, w->cfg->poll_interval_ms);
}

/* --- inotify events ----------------------------------------------------- */

static struct wdir *
dir_of_wd(struct watch *w, int wd)
{
	int	 i;

	for (i = 0; i < w->ndirs; i++)
		if (w->dirs[i].wd == wd)
			return &w->dirs[i];
	return NULL;
}

/* --- rotations ---------------------------------------------------------- */

static void
report_rotated(struct watch *w, const struct wrot *r)
{
	char		 path[PATH_MAX];
	struct stat	 st;

	if (r->d->real[0] == '\0' || snprintf(path, sizeof(path), "%s/%s",
	    strcmp(r->d->path, "/") ? r->d->path : "", r->name) >=
	    (int)sizeof(path))
		return;
	if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		w->ops->rotated(w->arg, r->input, path, r->d->real);
}

static void
drop_rotation(struct watch *w, int i)
{
	w->rot[i] = w->rot[--w->nrot];
}

/* All the events there were are read: each rotated file is where its
 * last rename put it. */
static void
report_rotations(struct watch *w)
{
	while (w->nrot > 0) {
		report_rotated(w, &w->rot[0]);
		drop_rotation(w, 0);
	}
}

/* A rename of (from_dir, from_name) to name in d: rotations follow. */
static void
follow_rename(struct watch *w, struct wdir *d, const char *name)
{
	int	 i;

	for (i = 0; i < w->nrot; i++)
		if (w->rot[i].d == w->from_dir &&
		    strcmp(w->rot[i].name, w->from_name) == 0) {
			w->rot[i].d = d;
			snprintf(w->rot[i].name, sizeof(w->rot[i].name), "%s",
			    name);
		}
}

/* The name in d was deleted or left the watched directories: a
 * rotation that led there ends (XXX a file never read is lost). */
static void
forget_name(struct watch *w, struct wdir *d, const char *name)
{
	int	 i;

	for (i = w->nrot - 1; i >= 0; i--)
		if (w->rot[i].d == d && strcmp(w->rot[i].name, name) == 0)
			drop_rotation(w, i);
}

/*
 * A file renamed within one directory from a name of an input's to one
 * that is not: rotation.  If the reader fell behind and never opened it
 * under its old name, it can still read it under the new one, or the
 * one later renames give it.
 */
static void
note_rotation(struct watch *w, struct wdir *d, const char *name)
{
	struct wrot	*r;
	int		 i;

	if (w->from_dir != d)
		return;
	for (i = 0; i < w->cfg->ninputs; i++) {
		if (!matches(w, d, w->from_name, i) || matches(w, d, name, i))
			continue;
		if (w->nrot == WATCH_ROTATIONS) {
			report_rotated(w, &w->rot[0]);
			drop_rotation(w, 0);
		}
		r = &w->rot[w->nrot++];
		r->d = d;
		r->input = i;
		snprintf(r->name, sizeof(r->name), "%s", name);
	}
}

/* A rename's two halves arrive as adjacent events with one cookie; a
 * lone IN_MOVED_FROM means the file left the directory. */
static void
flush_move(struct watch *w)
{
	if (w->cookie != 0) {
		w->ops->gone(w->arg, w->from);
		forget_name(w, w->from_dir, w->from_name);
	}
	w->cookie = 0;
}

static void
dir_lost(struct watch *w, struct wdir *d)
{
	log_warn("watch: %s was removed or moved; looking again every "
	    "poll_interval", d->path);
	inotify_rm_watch(w->ifd, d->wd);
	d->wd = -1;
	d->real[0] = '\0';
	d->warned_missing = 1;
}

static void
event(struct watch *w, const struct inotify_event *ev)
{
	struct wdir	*d = dir_of_wd(w, ev->wd);
	char		 path[PATH_MAX];

	if (d == NULL)
		return;
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		dir_lost(w, d);
		return;
	}
	if (ev->len == 0 || snprintf(path, sizeof(path), "%s/%s",
	    strcmp(d->path, "/") ? d->path : "", ev->name) >=
	    (int)sizeof(path))
		return;
	/* Opened (only while IN_MODIFY rests): nothing to follow, the files
	 * are read at once.  A rename's two halves stay paired. */
	if (ev->mask & IN_OPEN) {
		w->named = 1;
		return;
	}
	if (ev->mask & IN_MOVED_TO && w->cookie == ev->cookie &&
	    ev->cookie != 0) {
		forget_name(w, d, ev->name);	/* replaced */
		w->ops->moved(w->arg, w->from, path);
		follow_rename(w, d, ev->name);
		note_rotation(w, d, ev->name);
		w->cookie = 0;
	}
	flush_move(w);
	if (ev->mask & IN_MOVED_FROM) {
		w->cookie = ev->cookie;
		snprintf(w->from, sizeof(w->from), "%s", path);
		snprintf(w->from_name, sizeof(w->from_name), "%s", ev->name);
		w->from_dir = d;
	} else if (ev->mask & IN_DELETE) {
		forget_name(w, d, ev->name);
		w->ops->gone(w->arg, path);
	}
	else if (ev->mask & (IN_CREATE | IN_MOVED_TO))
		report_name(w, d, ev->name, 0);
	else if (ev->mask & IN_MODIFY) {
		w->ops->changed(w->arg, path);
		w->modified = 1;
	}
	if (ev->mask & (IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_MOVED_TO))
		w->named = 1;
}

/*
 * Every watched directory's mask, IN_MODIFY on or off.  A directory
 * replaced since its watch was made gets no watch here: its old one's
 * IN_DELETE_SELF or IN_MOVE_SELF is on the way, and the scans find the
 * new one.
 */
static void
set_masks(struct watch *w, uint32_t mask)
{
	int	 i, wd;

	for (i = 0; i < w->ndirs; i++) {
		if (w->dirs[i].wd == -1)
			continue;
		wd = inotify_add_watch(w->ifd, w->dirs[i].path, mask);
		if (wd != -1 && wd != w->dirs[i].wd)
			inotify_rm_watch(w->ifd, wd);
	}
}

/* The next look at files that still grow. */
static uint64_t
settle_ms(struct watch *w)
{
	uint64_t	 p = w->ops->patience(w->arg);

	return p > WATCH_SETTLE_MS + WATCH_MARGIN_MS ? p - WATCH_MARGIN_MS :
	    WATCH_SETTLE_MS;
}

static void
settled(void *arg)
{
	struct watch	*w = arg;

	if (w->ifd == -1)
		return;
	/* Still growing: IN_MODIFY stays off, the files are looked at
	 * again in a settle (one wakeup a settle, not two). */
	if (w->ops->stirred(w->arg)) {
		loop_timer_set(w->settle, settle_ms(w));
		return;
	}
	set_masks(w, WATCH_MASK);
	w->ops->stirred(w->arg);	/* what came before it was on */
}

static void
readable(void *arg, uint32_t events)
{
	struct watch			*w = arg;
	char				 buf[WATCH_EVBUF]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	ssize_t				 n;
	char				*p;
	int				 err;

	for (;;) {
		n = read(w->ifd, buf, sizeof(buf));
		err = errno;	/* before what the reports call */
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				log_warn("watch: inotify queue overflowed; "
				    "scanning every directory");
				flush_move(w);
				report_rotations(w);
				watch_scan(w);
				continue;
			}
			event(w, ev);
		}
		/* Room left for one more: the queue was empty (epoll wakes
		 * again for what came since). */
		if ((size_t)n <= sizeof(buf) - sizeof(*ev) - NAME_MAX - 1) {
			n = 0;
			break;
		}
	}
	flush_move(w);
	report_rotations(w);
	if (n == -1 && err != EAGAIN && err != EINTR)
		drop_inotify(w, "reading inotify failed", err);
	else if (w->modified && !loop_timer_is_set(w->settle)) {
		set_masks(w, WATCH_QUIET);
		loop_timer_set(w->settle, WATCH_SETTLE_MS);
	} else if (w->named && loop_timer_is_set(w->settle))
		w->ops->stirred(w->arg);
	w->modified = 0;
	w->named = 0;
}

/* --- modes -------------------------------------------------------------- */

/* From here on the periodic scan is the only source of events. */
static void
drop_inotify(struct watch *w, const char *why, int err)
{
	int	 i;

	if (w->ifd == -1)
		return;
	log_warn("watch: %s (%s): polling every %llums instead", why,
	    strerror(err), (unsigned long long)w->cfg->poll_interval_ms);
	loop_io_del(w->io);
	w->io = NULL;
	close(w->ifd);
	w->ifd = -1;
	for (i = 0; i < w->ndirs; i++)
		w->dirs[i].wd = -1;
}

static int
start_inotify(struct watch *w)
{
	w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->ifd == -1) {
		if (w->cfg->watch == WATCH_INOTIFY) {
			log_error("watch: inotify_init1: %s", strerror(errno));
			return -1;
		}
		log_warn("watch: no inotify instance (%s; see "
		    "fs.inotify.max_user_instances): polling every %llums",
		    strerror(errno),
		    (unsigned long long)w->cfg->poll_interval_ms);
		return 0;
	}
	w->io = loop_io_add(w->lp, w->ifd, EPOLLIN, readable, w);
	if (w->io == NULL) {
		close(w->ifd);
		w->ifd = -1;
		return -1;
	}
	return 0;
}

struct watch *
watch_new(struct loop *lp, const struct config *cfg,
    const struct watch_ops *ops, void *arg)
{
	struct watch	*w;
	int		 i;

	w = calloc(1, sizeof(*w));
	if (w != NULL)
		w->dirs = calloc(WATCH_MAX_DIRS, sizeof(*w->dirs));
	if (w == NULL || w->dirs == NULL) {
		log_error("watch: out of memory");
		free(w);
		return NULL;
	}
	w->lp = lp;
	w->cfg = cfg;
	w->ops = ops;
	w->arg = arg;
	w->ifd = -1;
	w->tick = loop_timer_new(lp, tick, w);
	w->settle = loop_timer_new(lp, settled, w);
	if (w->tick == NULL || w->settle == NULL || add_globs(w) == -1 ||
	    (cfg->watch != WATCH_POLL && start_inotify(w) == -1)) {
		watch_free(w);
		return NULL;
	}
	/* Watches first, so that nothing created before the scan is missed. */
	for (i = 0; i < w->ndirs; i++)
		attach_dir(w, &w->dirs[i]);
	loop_timer_set(w->tick, cfg->poll_interval_ms);
	return w;
}

void
watch_free(struct watch *w)
{
	int	 i;

	if (w == NULL)
		return;
	loop_io_del(w->io);
	if (w->ifd != -1)
		close(w->ifd);
	loop_timer_free(w->tick);
	loop_timer_free(w->settle);
	for (i = 0; i < w->ndirs; i++)
		free((char *)w->dirs[i].path);
	free(w->dirs);
	free(w);
}

int
watch_is_inotify(const struct watch *w)
{
	return w->ifd != -1;
}
