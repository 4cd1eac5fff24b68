/*
 * checkpoint.h: the delivered offset of every file, kept on the PVC.
 *
 * One file in checkpoint_dir, rewritten whole and atomically (temporary
 * file, fsync, rename, fsync of the directory) off the loop by a writer
 * thread, guarded by an flock on a lock file beside it so that two
 * sidelogs never share it.  A
 * checkpoint that is corrupt or cut short is reported, set aside and
 * treated as absent: lines are then sent again, never lost.
 */
#ifndef SIDELOG_CHECKPOINT_H
#define SIDELOG_CHECKPOINT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define CHECKPOINT_FP_MAX	1024		/* bytes a fingerprint covers */
#define CHECKPOINT_MAX_ENTRIES	100000
#define CHECKPOINT_MAX_BYTES	(64 * 1024 * 1024)

/* One file's identity and delivered offset. */
struct checkpoint_entry {
	char		 input[CONFIG_MAX_NAME + 1];
	uint64_t	 inode;
	uint32_t	 fp_len;	/* bytes the fingerprint covers */
	uint64_t	 fp_hash;	/* hash_bytes(&hash_fp_key, first fp_len bytes) */
	uint64_t	 offset;	/* every byte before it is delivered */
	const char	*path;		/* where it was last seen; entries
					   loaded own theirs */
};

struct checkpoint;

/* Gives the next entry to write into *e: 1, or 0 when there is none. */
typedef int	checkpoint_next_fn(void *arg, struct checkpoint_entry *e);

struct checkpoint *checkpoint_open(const char *dir, const char *name);
int		 checkpoint_load(struct checkpoint *,
		    struct checkpoint_entry **, size_t *);
void		 checkpoint_close(struct checkpoint *);
int		 checkpoint_read(const char *dir, const char *name,
		    struct checkpoint_entry **, size_t *);
void		 checkpoint_entries_free(struct checkpoint_entry *, size_t);

char		*checkpoint_format(checkpoint_next_fn *, void *, size_t *len);
int		 checkpoint_queue(struct checkpoint *, char *text, size_t len);
int		 checkpoint_fd(const struct checkpoint *);
int		 checkpoint_results(struct checkpoint *, int *ok);
int		 checkpoint_write(struct checkpoint *, char *text, size_t len);
int		 checkpoint_save(struct checkpoint *,
		    const struct checkpoint_entry *, size_t);

#endif
