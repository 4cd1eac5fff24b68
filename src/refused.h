/*
 * refused.h: the files matching an input's globs that sidelog does not
 * read, each warned about once per cause rather than at every scan.
 */
#ifndef SIDELOG_REFUSED_H
#define SIDELOG_REFUSED_H

/* Files remembered at once: an application would have to plant this
 * many hostile names to reach it; past it, one summary warning. */
#define REFUSED_MAX	1024

/* Why a file is refused: an errno of open(2) (> 0), or one of these. */
#define REFUSED_IRREGULAR	(-1)	/* not a regular file inside its
					   directory (FIFO, socket, device) */
#define REFUSED_SYMLINK		(-2)	/* a symlink leading out of its
					   directory, or to no regular file */

struct refused;

struct refused	*refused_new(void);
void		 refused_free(struct refused *);
int		 refused_note(struct refused *, const char *path,
		    const char *dir, int cause);
void		 refused_forget(struct refused *, const char *path);
void		 refused_sweep(struct refused *);
int		 refused_count(const struct refused *);

#endif
