/*
 * config_process.c: the keys of an input's processing (SPEC
 * "Processing"): parse.regex and the names of its groups, time.* and
 * level.key, the redaction rules and their key file.  What each needs of
 * the others is checked once the whole file is read; a key left empty
 * becomes NULL, "off", for the reader.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "redact.h"
#include "timestamp.h"

static const char *
off_if_empty(const char *s)
{
	return s == NULL || *s == '\0' ? NULL : s;
}

static void
check_parse(struct cfgp *p, struct config_input *in, const char *sec)
{
	size_t	 nsub;
	int	 line = cfgp_line_of(p, sec, "parse.regex");

	in->parse_regex = off_if_empty(in->parse_regex);
	if (in->parse != PARSE_REGEX) {
		if (in->parse_regex != NULL || in->nparse_fields > 0)
			cfgp_error(p, line, sec, in->parse_regex != NULL ?
			    "parse.regex" : "parse.fields", "only with "
			    "parse = regex");
		return;
	}
	if (in->parse_regex == NULL) {
		cfgp_error(p, cfgp_line_of(p, sec, "parse"), sec, "parse",
		    "regex needs parse.regex and parse.fields");
		return;
	}
	if (cfgp_check_regex(p, sec, "parse.regex", in->parse_regex,
	    &nsub) == 0 && nsub != (size_t)in->nparse_fields)
		cfgp_error(p, cfgp_line_of(p, sec, "parse.fields"), sec,
		    "parse.fields", "names %d fields but parse.regex has %zu "
		    "groups", in->nparse_fields, nsub);
}

/* time.key, level.key and parse.message name a field a parser made. */
static void
check_keys(struct cfgp *p, struct config_input *in, const char *sec)
{
	static const char	*keys[] = { "time.key", "level.key",
	    "parse.message" };
	const char		*vals[3], *why = NULL;
	int			 i;

	in->time_key = off_if_empty(in->time_key);
	in->level_key = off_if_empty(in->level_key);
	in->parse_message = off_if_empty(in->parse_message);
	vals[0] = in->time_key;
	vals[1] = in->level_key;
	vals[2] = in->parse_message;
	for (i = 0; i < 3; i++)
		if (vals[i] != NULL && in->parse != PARSE_JSON &&
		    in->parse != PARSE_LOGFMT && in->parse != PARSE_REGEX)
			cfgp_error(p, cfgp_line_of(p, sec, keys[i]), sec,
			    keys[i], "names a parsed field: needs parse = "
			    "json, logfmt or regex");
	if (timestamp_fmt_of(in->time_format, &why) == -1)
		cfgp_error(p, cfgp_line_of(p, sec, "time.format"), sec,
		    "time.format", "\"%s\": %s", in->time_format, why);
	else if (in->time_key == NULL && strcmp(in->time_format, "auto") != 0)
		cfgp_warn(p, cfgp_line_of(p, sec, "time.format"), sec,
		    "time.format", "has no effect without time.key");
}

static void
check_rules(struct cfgp *p, struct config_input *in, const char *sec)
{
	const struct config_pair	*r;
	struct redact			*rd;
	char				 name[160], err[256];
	int				 i;

	for (i = 0; i < in->nredacts; i++) {
		r = &in->redacts[i];
		snprintf(name, sizeof(name), "redact.%s", r->key);
		if (strncmp(r->key, "hash", 4) == 0)
			cfgp_error(p, r->line, sec, name, "unknown key (did you "
			    "mean redact.hash_key_file?)");
		else if (*r->value == '\0')
			cfgp_error(p, r->line, sec, name, "empty: give the "
			    "regular expression to mask");
		else {
			rd = redact_new(NULL, r, 1, err, sizeof(err));
			if (rd == NULL)
				cfgp_error(p, r->line, sec, name, "%s", err);
			redact_free(rd);
		}
	}
	in->redact = off_if_empty(in->redact);
	if (in->redact == NULL)
		return;
	rd = redact_new(in->redact, NULL, 0, err, sizeof(err));
	if (rd == NULL)
		cfgp_error(p, cfgp_line_of(p, sec, "redact"), sec, "redact",
		    "%s", err);
	redact_free(rd);
}

static void
check_key_file(struct cfgp *p, struct config_input *in, const char *sec)
{
	int	 line = cfgp_line_of(p, sec, "redact.hash_key_file");

	in->redact_hash_key_file = off_if_empty(in->redact_hash_key_file);
	if (in->redact_hash_key_file == NULL)
		return;
	if (in->redact == NULL && in->nredacts == 0)
		cfgp_warn(p, line, sec, "redact.hash_key_file", "no redact "
		    "rule to use it");
	cfgp_check_readable(p, sec, "redact.hash_key_file",
	    in->redact_hash_key_file);
}

void
cfgp_check_process(struct cfgp *p, struct config_input *in, const char *sec)
{
	check_parse(p, in, sec);
	check_keys(p, in, sec);
	check_rules(p, in, sec);
	check_key_file(p, in, sec);
}
