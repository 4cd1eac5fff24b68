/*
 * watch.h: which files exist and which changed, per input glob.
 *
 * One inotify instance watches the directory of every glob (not each
 * file); a stat scan of the same directories is the fallback when the
 * node has no inotify instances or watches left, and a slow safety net
 * beside inotify.  It only reports names: deciding what a name means
 * (new file, rotation, the same file again) is the reader's job.
 */
#ifndef SIDELOG_WATCH_H
#define SIDELOG_WATCH_H

#include "config.h"
#include "loop.h"

struct watch;

/* What the watcher reports.  Paths are valid during the call only. */
struct watch_ops {
	/* A name matching the input's globs exists; dir is the real path of
	 * its directory, which a symlink's target must stay inside. */
	void	(*found)(void *arg, int input, const char *path,
		    const char *dir);
	/* A name matching a glob is a symlink leading out of dir (or to no
	 * regular file): not followed.  Reported at every scan. */
	void	(*refused)(void *arg, const char *path, const char *dir);
	void	(*changed)(void *arg, const char *path);
	/* Files may have grown unannounced (IN_MODIFY was off): look at
	 * every one.  Whether any grew since the last call. */
	int	(*stirred)(void *arg);
	/* How long new bytes of growing files may wait unread (ms). */
	uint64_t (*patience)(void *arg);
	void	(*moved)(void *arg, const char *from, const char *to);
	/* One of the input's files was renamed out of its globs, perhaps
	 * before the reader saw it: it may still hold unread lines. */
	void	(*rotated)(void *arg, int input, const char *path,
		    const char *dir);
	void	(*gone)(void *arg, const char *path);
	void	(*scanned)(void *arg);	/* a full scan ended */
};

struct watch	*watch_new(struct loop *, const struct config *,
		    const struct watch_ops *, void *arg);
void		 watch_free(struct watch *);
int		 watch_scan(struct watch *);
int		 watch_is_inotify(const struct watch *);

#endif
