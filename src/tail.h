/*
 * tail.h: one followed file: its descriptor and identity, how far it was
 * read and how far it was delivered, and what rotation or truncation did
 * to it.  This is the reader's door, wider than 12 functions because the
 * reader decides what a name means (new file, rotation, the same file
 * again) from a tail's state and sets what it decided; the sinks use
 * only tail_ack.h.
 */
#ifndef SIDELOG_TAIL_H
#define SIDELOG_TAIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "checkpoint.h"
#include "hash.h"
#include "tail_ack.h"

#define TAIL_BACK	256	/* bytes under the read offset read again
				   with each read: longer than the constant
				   end of most log lines */

enum tail_check {
	TAIL_IDLE,		/* nothing new to read */
	TAIL_READY,		/* bytes past the read offset */
	TAIL_TRUNCATED,		/* cut or rewritten: read again from 0 */
	TAIL_ERROR,		/* fstat failed; logged */
};

struct tail	*tail_open(int input, const char *path, const char *dir,
		    unsigned sinks, int *why);
void		 tail_close(struct tail *);
int		 tail_is(const struct tail *, const struct stat *);
void		 tail_park(struct tail *);
int		 tail_unpark(struct tail *);
int		 tail_is_open(const struct tail *);
int		 tail_changed(const struct tail *, const struct stat *);
int		 tail_matches(struct tail *, const struct checkpoint_entry *);
void		 tail_resume(struct tail *, uint64_t offset);
void		 tail_rewind(struct tail *, int input, unsigned sinks);
enum tail_check	 tail_check(struct tail *);
void		 tail_verify(struct tail *);
ssize_t		 tail_read(struct tail *, char *, size_t, const char **data);
ssize_t		 tail_peek(struct tail *, uint64_t off, char *, size_t);
void		 tail_consume(struct tail *, const char *data, size_t);
void		 tail_entry(const struct tail *, const char *input,
		    struct checkpoint_entry *);

/* State the reader reads and sets. */
int		 tail_input(const struct tail *);
const char	*tail_path(const struct tail *);
const char	*tail_found_path(const struct tail *);
void		 tail_set_path(struct tail *, const char *);
int		 tail_is_gone(const struct tail *);
int		 tail_is_unlinked(const struct tail *);
void		 tail_lost(struct tail *);
void		 tail_set_gone(struct tail *, int);
unsigned	 tail_gen(const struct tail *);
uint64_t	 tail_read_off(const struct tail *);
uint64_t	 tail_size(const struct tail *);
uint64_t	 tail_delivered(const struct tail *);
uint64_t	 tail_skipped(const struct tail *);
int		 tail_is_idle(const struct tail *);
uint64_t	 tail_inode(const struct tail *);
const struct hash_key *tail_ids(struct tail *, const char *seed,
		    const char *input);

#endif
