/*
 * format.h: the door of an [output] format (SPEC "Output formats"): what
 * a batch's bytes look like (the frame around and between records, each
 * record's bytes) and what a 2xx reply says of its records.  Each format
 * is one file with one ops table; output.c batches, sends, retries and
 * reads the HTTP status, and asks the format for the rest.
 */
#ifndef SIDELOG_FORMAT_H
#define SIDELOG_FORMAT_H

#include <stddef.h>

#include "batch.h"
#include "config.h"
#include "flat.h"
#include "labels.h"
#include "record.h"

#define FORMAT_WHY	64	/* bytes of an error type kept */

/* Loki's defaults (limits_config): max_label_names_per_series and
 * max_label_name_length. */
#define LOKI_LABELS_MAX	15
#define LOKI_NAME_MAX	1024

/* A growable buffer a format builds a record in (make()). */
struct format_buf {
	char		*p;
	size_t		 len, cap;
};

/* What make() is given: its output's prepared state (open()'s), the
 * record's template and values, and a buffer for record_encode(). */
struct format_in {
	void				*state;
	const struct config_output	*oc;
	const struct record_tpl		*tpl;
	const struct record_vals	*v;
	struct format_buf		*json;
};

/* What a 2xx reply says of each record of the batch. */
enum format_item {
	FORMAT_OK,		/* delivered */
	FORMAT_AGAIN,		/* to send again (429, 5xx of an item) */
	FORMAT_REFUSED,		/* refused for good: a dead letter */
};

enum format_read {
	FORMAT_READ,		/* see struct format_reply */
	FORMAT_UNREADABLE,	/* send the batch again */
	FORMAT_HALVE,		/* too long to read, with errors: send the
				   batch again in halves, whose replies are
				   shorter */
};

/* What a reply of another status says, read by the format. */
enum format_err {
	FORMAT_ERR_STATUS,	/* what its status says (400: bisect ...) */
	FORMAT_ERR_AGAIN,	/* not about the records: send them again */
};

/* The reading of a 2xx reply. */
struct format_reply {
	enum format_item *items;	/* per record, when the reply says */
	char		(*why)[FORMAT_WHY];	/* per record: an error type */
	int		 n;		/* records in the batch */
	int		 per_item;	/* items[] was filled */
	int		 refused;	/* records refused, not named (counted,
					   never sent again) */
	char		 message[128];	/* what the backend said, for the log */
};

struct format_ops {
	const char	*name;
	const char	*content_type;
	/* Bytes beside the record that add() may write. */
	size_t		 extra;
	/* add() writes the record as record_encode() makes it (after what
	 * document() cuts): stdout's json copies it. */
	int		 as_is;
	/* Bytes of a reply body read (0: an excerpt's worth). */
	size_t		 reply_max;
	/* Whether records carry their ids (NULL: only with id_key). */
	int		 (*ids)(const struct config_output *);
	/* The request path from the URL's (NULL: as given). */
	char		*(*path)(const struct config_output *);
	/* Whether [metadata] and labels go once a request, in the frame,
	 * not in each record (the template is record_tpl_local()'s). */
	int		 context_apart;
	/* Prepares an output's state and the frame of every batch (NULL:
	 * no state, records back to back); NULL for lack of memory. */
	void		*(*open)(const struct config *, const struct labels *,
			    struct batch_frame *);
	void		 (*close)(void *);
	/* One record's bytes at out, at most record_max() + extra ... */
	size_t		 (*add)(const struct config_output *,
			    const struct record_tpl *, const struct record_vals *,
			    char *out);
	/* ... or, instead, built in out, of no size known before: 0, or
	 * -1 for lack of memory. */
	int		 (*make)(const struct format_in *, struct format_buf *out);
	/* What a 2xx reply says; cut_short: body holds only its first
	 * bytes.  NULL: a 2xx delivers every record. */
	enum format_read (*reply)(const struct config_output *,
			    const char *body, size_t len, int cut_short,
			    struct format_reply *);
	/* What a reply of a status other than 2xx says, and a line for
	 * the log in why (NULL: its status says all). */
	enum format_err	 (*error)(int status, const char *body, size_t len,
			    char *why, size_t whylen);
	/* A dead letter is the record in the frame's head and tail: a
	 * request of its own (the resource OTLP keeps there with it), to
	 * send again as it is. */
	int		 letter_framed;
	/* The part of a record's bytes that is the document, for
	 * dead_letter (NULL: all of it). */
	const char	*(*document)(const char *rec, size_t *len);
};

const struct format_ops	*format_of(const struct config_output *);
size_t		 format_loki_name(const char *key, char *out, size_t cap);
int		 format_hec_error(const char *, size_t, int *code, char *text,
		    size_t);
char		*format_room(struct format_buf *, size_t);
int		 format_put(struct format_buf *, const char *, size_t);
int		 format_put_string(struct format_buf *, const char *, size_t);
int		 format_put_text(struct format_buf *, const char *, size_t);
int		 format_put_member(struct format_buf *,
		    const struct flat_leaf *);
void		 format_buf_free(struct format_buf *);

/* A string literal's bytes into a format_buf. */
#define FORMAT_PUT(b, lit)	format_put(b, lit, sizeof(lit) - 1)

extern const struct format_ops format_ndjson;
extern const struct format_ops format_elasticsearch;
extern const struct format_ops format_otlp;
extern const struct format_ops format_loki;
extern const struct format_ops format_splunk_hec;

#endif
