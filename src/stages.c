/*
 * stages.c: an input's filter, redaction and parse stages, with their
 * counters.
 *
 * The filters are ere.c's: most patterns are matched in place, the rest
 * by regexec() on a copy of the record ended by a NUL (musl has no
 * REG_STARTEND); either way a record with a NUL byte is matched up to
 * it.  The redaction key (redact.hash_key_file) is
 * read at start and again, at most once a second, when its file changed;
 * a file that cannot be read keeps the key it had.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ere.h"
#include "log.h"
#include "secret.h"
#include "stages.h"

#define STAGES_KEY_MAX		4096
#define STAGES_CHECK_MS		1000

struct stages {
	const struct config_input *in;
	struct stage_counts	*c;
	struct ere		*inc, *exc;	/* NULL: no such filter */
	int			 filters;	/* either is set */
	char			*fbuf;		/* a record as a C string, for
						   a filter ere.c leaves to
						   regexec(); else NULL */
	struct redact		*redact;	/* NULL: no rule */
	int			 slot[REDACT_MAX_RULES];	/* in c->rules */
	uint64_t		 hits[REDACT_MAX_RULES];	/* the record's, */
	int			 hit;			/* counted when */
	int			 errors;		/* it is taken */
	struct secret		 key;
	uint64_t		 key_checked;
	struct parser		*parser;	/* NULL: parse = none, cri */
};

/* The counters of an input by its name, made when new; NULL when the
 * table (CONFIG_MAX_INPUTS) is full of inputs reloads took away. */
static struct stage_counts *
counts_of(struct stage_counts *table, const char *name)
{
	int	 i;

	for (i = 0; i < CONFIG_MAX_INPUTS; i++)
		if (strcmp(table[i].input, name) == 0)
			return &table[i];
	for (i = 0; i < CONFIG_MAX_INPUTS; i++)
		if (table[i].input[0] == '\0') {
			snprintf(table[i].input, sizeof(table[i].input), "%s",
			    name);
			return &table[i];
		}
	return NULL;
}

static int
rule_slot(struct stage_counts *c, const char *name)
{
	int	 i;

	for (i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].name, name) == 0)
			return i;
	if (c->rules == NULL)
		c->rules = calloc(REDACT_MAX_RULES, sizeof(*c->rules));
	if (c->rules == NULL || c->nrules == REDACT_MAX_RULES)
		return -1;
	snprintf(c->rules[c->nrules].name, STAGES_RULE_NAME, "%s", name);
	return c->nrules++;
}

/* One of the filters, compiled (checked already by config_check.c:
 * failing here is for memory). */
static int
compile(const char *re, struct ere **rx, int *slow)
{
	if (re == NULL)
		return 0;
	*rx = ere_new(re);
	if (*rx == NULL)
		return -1;
	*slow |= !ere_is_fast(*rx);
	return 0;
}

static int
setup_filters(struct stages *s)
{
	const struct config_input	*in = s->in;
	int				 slow = 0;

	s->filters = in->include_lines != NULL || in->exclude_lines != NULL;
	if (compile(in->include_lines, &s->inc, &slow) == -1 ||
	    compile(in->exclude_lines, &s->exc, &slow) == -1)
		return -1;
	if (slow && (s->fbuf = malloc(in->max_line_bytes + 1)) == NULL)
		return -1;
	return 0;
}

static void
load_key(struct stages *s)
{
	char	 key[STAGES_KEY_MAX];
	int	 changed;

	if (s->redact == NULL || s->in->redact_hash_key_file == NULL)
		return;
	if (secret_read(&s->key, s->in->redact_hash_key_file, key,
	    sizeof(key), &changed) == 0 && changed) {
		if (redact_set_key(s->redact, (const unsigned char *)key,
		    strlen(key)) == -1)
			log_error("input %s: redaction key not set",
			    s->in->name);
		else
			log_info("input %s: redaction key (re)loaded from %s",
			    s->in->name, s->in->redact_hash_key_file);
	}
	explicit_bzero(key, sizeof(key));
}

static int
setup_redact(struct stages *s)
{
	const struct config_input	*in = s->in;
	char				 err[256];
	int				 i;

	if (in->redact == NULL && in->nredacts == 0)
		return 0;
	s->redact = redact_new(in->redact, in->redacts, in->nredacts, err,
	    sizeof(err));
	if (s->redact == NULL) {
		log_error("input %s: redact: %s", in->name, err);
		return -1;
	}
	for (i = 0; i < redact_nrules(s->redact); i++)
		s->slot[i] = rule_slot(s->c, redact_rule_name(s->redact, i));
	load_key(s);
	return 0;
}

struct stages *
stages_new(const struct config *cfg, const struct config_input *in,
    struct stage_counts *table)
{
	struct stages	*s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->in = in;
	s->c = counts_of(table, in->name);
	if (s->c == NULL) {
		log_error("input %s: no room for its counters", in->name);
		goto fail;
	}
	if (setup_filters(s) == -1 || setup_redact(s) == -1)
		goto fail;
	if (in->parse != PARSE_NONE && in->parse != PARSE_CRI) {
		s->parser = parser_new(cfg, in);
		if (s->parser == NULL)
			goto fail;
	}
	return s;
fail:
	log_error("input %s: its processing could not be set up",
	    in->name);
	stages_free(s);
	return NULL;
}

void
stages_free(struct stages *s)
{
	if (s == NULL)
		return;
	ere_free(s->inc);
	ere_free(s->exc);
	free(s->fbuf);
	redact_free(s->redact);
	parser_free(s->parser);
	free(s);
}

/* Whether include_lines and exclude_lines keep the record; a record
 * dropped is counted. */
int
stages_kept(struct stages *s, const char *msg, size_t len)
{
	if (!s->filters)
		return 1;
	if ((s->inc != NULL && !ere_match(s->inc, msg, len, s->fbuf)) ||
	    (s->exc != NULL && ere_match(s->exc, msg, len, s->fbuf))) {
		s->c->filtered++;
		return 0;
	}
	return 1;
}

/* The message with every rule's matches masked: msg itself when none
 * matched; NULL when memory ran out (the record must wait). */
const char *
stages_redact(struct stages *s, const char *msg, size_t len, size_t *outlen)
{
	const char	*out;
	int		 i, n;

	*outlen = len;
	if (s->redact == NULL)
		return msg;
	if (s->hit) {	/* a record that waited for room: counted again */
		n = redact_nrules(s->redact);
		for (i = 0; i < n; i++)
			s->hits[i] = 0;
		s->hit = 0;
	}
	out = redact_apply(s->redact, msg, len, outlen, s->hits);
	s->hit = out != msg && out != NULL;
	return out;
}

/* 1: the record's fields are in out; 0: a plain message. */
int
stages_parse(struct stages *s, const char *msg, size_t len,
    struct parsed *out)
{
	int	 errors = 0, rc;

	if (s->parser == NULL)
		return 0;
	rc = parser_run(s->parser, msg, len, out, &errors);
	s->errors = errors;
	return rc;
}

/*
 * The record the stages just did was taken by the sinks: its
 * redactions and parse errors are counted.  A record that must wait for
 * room is done again later, and counted then, once.
 */
void
stages_taken(struct stages *s)
{
	int	 i, n;

	if (s->hit) {
		n = redact_nrules(s->redact);
		for (i = 0; i < n; i++) {
			if (s->slot[i] >= 0)
				s->c->rules[s->slot[i]].n += s->hits[i];
			s->hits[i] = 0;
		}
		s->hit = 0;
	}
	s->c->parse_errors += (uint64_t)s->errors;
	s->errors = 0;
}

void
stages_tick(struct stages *s, uint64_t now_ms)
{
	if (s->redact == NULL || s->in->redact_hash_key_file == NULL ||
	    now_ms - s->key_checked < STAGES_CHECK_MS)
		return;
	s->key_checked = now_ms;
	load_key(s);
}

/* The longest message an input hands to the parser and the sinks:
 * redaction's markers may make it longer than max_line_bytes. */
static size_t
msg_max(const struct config_input *in)
{
	if (in->redact != NULL || in->nredacts > 0)
		return REDACT_OUT_MAX(in->max_line_bytes);
	return in->max_line_bytes;
}

/* What an input's stages may hold, for the memory budget. */
size_t
stages_buffer_max(const struct config_input *in)
{
	size_t	 n = parser_buffer_max(in, msg_max(in));

	if (in->include_lines != NULL || in->exclude_lines != NULL)
		n += in->max_line_bytes + 1;
	if (in->redact != NULL || in->nredacts > 0)
		n += msg_max(in);
	return n;
}

/* The longest record any input may encode, less its path and the
 * template's keys (record_max()): the message escaped, the fields'
 * text, a level as written. */
size_t
stages_record_max(const struct config *cfg)
{
	size_t	 max = 0, n, len;
	int	 i;

	for (i = 0; i < cfg->ninputs; i++) {
		len = msg_max(&cfg->inputs[i]);
		n = 7 * len + parser_text_max(&cfg->inputs[i], len);
		if (n > max)
			max = n;
	}
	return max;
}
