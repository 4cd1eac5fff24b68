/*
 * record.h: a record as one line of JSON (SPEC "The record").
 *
 * The keys of an input's records (time, message, file, offset, id,
 * stream, [metadata], labels, fields.*) are known once the configuration
 * is: record_tpl_new() turns them into a template whose static parts are
 * already escaped JSON, so encoding a line is copying those parts and
 * escaping the few values that change: one pass over the message bytes,
 * no allocation.
 */
#ifndef SIDELOG_RECORD_H
#define SIDELOG_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "line.h"

struct parsed;

#define RECORD_TIME_LEN	27	/* 2026-11-22T08:00:00.123456Z */

struct record_tpl;

/* What changes from one record to the next. */
struct record_vals {
	const struct line_rec	*line;	/* message, offset, CRI time and stream */
	const char		*path;	/* file_key's value */
	size_t			 pathlen;
	const char		*time;	/* read time, RECORD_TIME_LEN chars;
					   used when the line brings none */
	const char		*id;	/* HASH_ID_LEN hex digits, or NULL */
	const struct parsed	*parsed;	/* the parse stage's fields,
						   time and level; NULL: none */
};

struct record_tpl *record_tpl_new(const struct config *,
		    const struct config_input *,
		    const struct config_pair *labels, int nlabels);
struct record_tpl *record_tpl_local(const struct config *,
		    const struct config_input *);
void		 record_tpl_free(struct record_tpl *);
size_t		 record_max(const struct record_tpl *,
		    const struct record_vals *);
size_t		 record_encode(const struct record_tpl *,
		    const struct record_vals *, char *out);
size_t		 record_escape(char *out, const char *s, size_t len);
size_t		 record_u64(char *out, uint64_t);
void		 record_time(const struct timespec *,
		    char out[RECORD_TIME_LEN + 1]);

#endif
