/*
 * line.h: cutting a file's bytes into records.
 *
 * The caller reads a file from the first byte no record has consumed
 * yet (its read offset) and hands the bytes over; every complete record
 * is passed to take(), and the return value says how many bytes the
 * records taken consumed.  Bytes after that (a line without its newline
 * yet, a multiline record that may still grow) are simply read again
 * next time.  A record is never longer than max_bytes: a longer line is
 * cut into several records, nothing is dropped.
 *
 * Nothing but the file offset need be kept between calls: with a NULL
 * struct line_pending, line_split() is stateless.  But a multiline
 * record written line by line would then have every line matched again
 * at each call, k^2/2 matches for k lines.  With one kept per file,
 * line_split() notes how far the record left pending was matched, and
 * line_pending_grow() matches only the lines added since, so that the
 * caller need not read the record again until it ends.  A line_pending
 * describes bytes already read under one line_cfg: the caller clears it
 * (all zero) when those bytes may have changed (truncation) or the
 * line_cfg did (a reload); it is moot once its record was consumed.
 */
#ifndef SIDELOG_LINE_H
#define SIDELOG_LINE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct ere;

enum line_stream {
	LINE_STREAM_NONE,	/* not a CRI line */
	LINE_STREAM_STDOUT,
	LINE_STREAM_STDERR,
};

struct line_cfg {
	size_t		 max_bytes;	/* max_line_bytes: longest message */
	const struct ere *multiline;	/* multiline.start (ere.h); NULL: off */
	enum parse_mode	 parse;		/* PARSE_CRI: parse the kubelet prefix */
};

/* One record.  Its pointers are valid only during the take() call. */
struct line_rec {
	const char	*msg;		/* the message, without its newline */
	size_t		 len;
	uint64_t	 off;		/* file offset of the record's first byte */
	uint64_t	 end;		/* file offset just past its last byte */
	const char	*time;		/* CRI timestamp as written; NULL: none */
	size_t		 timelen;
	enum line_stream stream;
	int		 cut;		/* not ended by a newline (max_bytes or flush) */
};

/* Returns 0 to go on, -1 to stop (the consumer is full). */
typedef int line_take_fn(void *ctx, const struct line_rec *);

/* A multiline record not complete yet; all zero: none. */
struct line_pending {
	uint64_t	 off;		/* file offset of its first byte */
	uint64_t	 next;		/* its lines before this offset were
					   matched: none starts a record */
	size_t		 total;		/* its message bytes so far */
};

/* scratch: at least LINE_SCRATCH(max_bytes) bytes. */
#define LINE_SCRATCH(max)	(3 * ((max) + 1))

size_t	line_split(const struct line_cfg *, struct line_pending *,
	    const char *buf, size_t len, uint64_t off, int flush,
	    char *scratch, size_t scratchlen, line_take_fn *take, void *ctx);
int	line_pending_grow(const struct line_cfg *, struct line_pending *,
	    const char *buf, size_t len, char *scratch, size_t scratchlen);

#endif
