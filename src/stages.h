/*
 * stages.h: what an input does to a record between cutting and encoding
 * (SPEC "Processing"), in this order: filter (include_lines, then
 * exclude_lines), redact, parse.  The pump calls each in turn; one
 * struct stages per input and configuration.
 *
 * A record's redactions and parse errors are counted once the sinks took
 * it (stages_taken()): one that waits for room is not counted twice.
 * Counters outlive a reload: they are kept by input name in a
 * struct stage_counts the reader owns, and a new configuration's stages
 * add to the same ones.
 */
#ifndef SIDELOG_STAGES_H
#define SIDELOG_STAGES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "parse.h"
#include "redact.h"

#define STAGES_RULE_NAME	48

struct stage_rule;

struct stage_counts {
	char		 input[CONFIG_MAX_NAME + 1];	/* "": unused */
	uint64_t	 filtered;	/* records include/exclude_lines drop */
	uint64_t	 parse_errors;	/* lines or times that did not parse */
	int		 nrules;
	struct stage_rule *rules;	/* REDACT_MAX_RULES, once needed */
};

struct stage_rule {
	char		 name[STAGES_RULE_NAME];
	uint64_t	 n;		/* matches masked */
};

struct stages;

struct stages	*stages_new(const struct config *, const struct config_input *,
		    struct stage_counts *table);
void		 stages_free(struct stages *);
int		 stages_kept(struct stages *, const char *msg, size_t len);
const char	*stages_redact(struct stages *, const char *msg, size_t len,
		    size_t *outlen);
int		 stages_parse(struct stages *, const char *msg, size_t len,
		    struct parsed *);
void		 stages_taken(struct stages *);
void		 stages_tick(struct stages *, uint64_t now_ms);
size_t		 stages_buffer_max(const struct config_input *);
size_t		 stages_record_max(const struct config *);

#endif
