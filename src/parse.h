/*
 * parse.h: the parse stage of an input (SPEC "Processing"): a record's
 * message into fields (parse = json, logfmt or regex) that record.c
 * merges into the record, and the event's time (time.key) and severity
 * (level.key) read from those fields.
 *
 * The field named like message_key, or parse.message when it is set,
 * is the record's message in place of the line.  The time.key and
 * level.key fields stay in the record as they were written; the time becomes the record's time key too, the severity
 * log.level ("warn", or the value as written when it is not one sidelog
 * knows: severity.h).
 */
#ifndef SIDELOG_PARSE_H
#define SIDELOG_PARSE_H

#include <stddef.h>

#include "config.h"
#include "json.h"
#include "timestamp.h"

struct parsed {
	struct json_obj	 obj;		/* the fields: valid until the next
					   parser_run() */
	size_t		 textlen;	/* their JSON text's length */
	const char	*time;		/* from time.key, a JSON string */
	size_t		 timelen;	/*   (NULL: none) */
	const char	*level;		/* log.level, a JSON string (NULL: */
	size_t		 levellen;	/*   none) */
	const char	*level_src;	/* the level as written, when a JSON */
	size_t		 level_srclen;	/*   string: OTLP's severityText */
	int		 severity;	/* OTLP's SeverityNumber; 0: unknown */
	char		 tbuf[TIMESTAMP_MAX + 2];
	char		 lbuf[24];
};

struct parser;

struct parser	*parser_new(const struct config *,
		    const struct config_input *);
void		 parser_free(struct parser *);
int		 parser_run(struct parser *, const char *msg, size_t len,
		    struct parsed *, int *errors);
size_t		 parser_memory(const struct parser *);
size_t		 parser_text_max(const struct config_input *, size_t len);
size_t		 parser_buffer_max(const struct config_input *, size_t len);

#endif
