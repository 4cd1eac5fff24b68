/*
 * parse.c: the parse stage.  Every parser ends in the same place: the
 * text of one JSON object, scanned by json_object() into members that
 * record.c merges as it does a JSON line's.  A JSON line is that text
 * already; logfmt and regex write it into the parser's buffer, which
 * grows with the longest line met (bounded by max_line_bytes).
 *
 * A record is parsed once, before either sink encodes it.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt.h"
#include "parse.h"
#include "record.h"
#include "severity.h"

#define PARSE_VALUE_MAX	128	/* a time's or level's text, unescaped */
#define REGEX_MAX(len, names)	(7 * (len) + (names) + 2)

struct parser {
	enum parse_mode		 mode;
	const char		*time_name;	/* json_object()'s */
	const char		*msg_name;
	regex_t			 re;		/* parse = regex */
	int			 has_re;
	char			**names;	/* its fields', quoted, with ':' */
	size_t			*namelens;
	int			 nnames;
	size_t			 namesum;
	regmatch_t		*match;
	const char		*time_key;	/* NULL: off */
	enum timestamp_fmt	 time_fmt;
	const char		*time_pattern;
	const char		*level_key;	/* NULL: off */
	char			*buf;		/* JSON text; for regex, then the
						   line as a C string */
	size_t			 buflen;
};

static int
quote_names(struct parser *p, const struct config_input *in)
{
	size_t	 n;
	int	 i;

	p->names = calloc((size_t)in->nparse_fields, sizeof(*p->names));
	p->namelens = calloc((size_t)in->nparse_fields, sizeof(*p->namelens));
	p->match = calloc((size_t)in->nparse_fields + 1, sizeof(*p->match));
	if (p->names == NULL || p->namelens == NULL || p->match == NULL)
		return -1;
	for (i = 0; i < in->nparse_fields; i++) {
		n = strlen(in->parse_fields[i]);
		p->names[i] = malloc(6 * n + 3);
		if (p->names[i] == NULL)
			return -1;
		p->nnames++;
		p->names[i][0] = '"';
		n = record_escape(p->names[i] + 1, in->parse_fields[i], n) + 1;
		p->names[i][n++] = '"';
		p->names[i][n++] = ':';
		p->namelens[i] = n;
		p->namesum += n + 3;
	}
	return 0;
}

struct parser *
parser_new(const struct config *cfg, const struct config_input *in)
{
	struct parser	*p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->mode = in->parse;
	p->time_name = strchr(cfg->output.time_key, '.') ? NULL :
	    cfg->output.time_key;
	p->msg_name = in->parse_message != NULL ? in->parse_message :
	    strchr(cfg->output.message_key, '.') ? NULL :
	    cfg->output.message_key;
	p->time_key = in->time_key;
	p->time_fmt = (enum timestamp_fmt)timestamp_fmt_of(in->time_format, NULL);
	p->time_pattern = in->time_format;
	p->level_key = in->level_key;
	if (p->mode == PARSE_REGEX) {
		if (regcomp(&p->re, in->parse_regex, REG_EXTENDED) != 0) {
			free(p);
			return NULL;
		}
		p->has_re = 1;
		if (quote_names(p, in) == -1) {
			parser_free(p);
			return NULL;
		}
	}
	return p;
}

void
parser_free(struct parser *p)
{
	int	 i;

	if (p == NULL)
		return;
	if (p->has_re)
		regfree(&p->re);
	for (i = 0; i < p->nnames; i++)
		free(p->names[i]);
	free(p->names);
	free(p->namelens);
	free(p->match);
	free(p->buf);
	free(p);
}

size_t
parser_memory(const struct parser *p)
{
	return p->buflen;
}

static char *
room(struct parser *p, size_t need)
{
	char	*b;

	if (need <= p->buflen)
		return p->buf;
	need += need / 2;
	b = realloc(p->buf, need);
	if (b == NULL)
		return NULL;
	p->buf = b;
	p->buflen = need;
	return b;
}

/* Bytes the fields' JSON text may take for a message of len bytes. */
size_t
parser_text_max(const struct config_input *in, size_t len)
{
	size_t	 names = 0;
	int	 i;

	switch (in->parse) {
	case PARSE_JSON:
		return len;
	case PARSE_LOGFMT:
		return LOGFMT_MAX(len);
	case PARSE_REGEX:
		for (i = 0; i < in->nparse_fields; i++)
			names += 6 * strlen(in->parse_fields[i]) + 6;
		return REGEX_MAX(len, names);
	case PARSE_NONE:
	case PARSE_CRI:
		break;
	}
	return 0;
}

/* The most a parser's buffer grows to for messages of at most len
 * bytes, for the memory budget. */
size_t
parser_buffer_max(const struct config_input *in, size_t len)
{
	if (in->parse == PARSE_JSON)
		return 0;	/* the line is its own text */
	return parser_text_max(in, len) + (in->parse == PARSE_REGEX ?
	    len + 1 : 0);
}

/*
 * parse = regex: the groups that took part, by their names.  The line is
 * matched as a C string (regexec() stops at a NUL), so the JSON text is
 * written after its copy.  Nested groups repeat bytes: past REGEX_MAX
 * the line counts as not parsed rather than the buffer growing with the
 * number of groups.
 */
static size_t
regex_json(struct parser *p, const char *msg, size_t len, char **text)
{
	size_t	 need = 2;
	char	*b, *o;
	int	 i;

	b = room(p, len + 1 + REGEX_MAX(len, p->namesum));
	if (b == NULL)
		return 0;
	memcpy(b, msg, len);
	b[len] = '\0';
	if (regexec(&p->re, b, (size_t)p->nnames + 1, p->match, 0) != 0)
		return 0;
	for (i = 0; i < p->nnames; i++)
		if (p->match[i + 1].rm_so >= 0)
			need += p->namelens[i] + 3 + 6 * (size_t)
			    (p->match[i + 1].rm_eo - p->match[i + 1].rm_so);
	if (need > REGEX_MAX(len, p->namesum))
		return 0;
	*text = o = b + len + 1;
	*o++ = '{';
	for (i = 0; i < p->nnames; i++) {
		const regmatch_t *m = &p->match[i + 1];

		if (m->rm_so < 0)
			continue;
		if (o - *text > 1)
			*o++ = ',';
		memcpy(o, p->names[i], p->namelens[i]);
		o += p->namelens[i];
		*o++ = '"';
		o += record_escape(o, b + m->rm_so,
		    (size_t)(m->rm_eo - m->rm_so));
		*o++ = '"';
	}
	*o++ = '}';
	return (size_t)(o - *text);
}

/*
 * The fields into out->obj: their JSON text's length, or 0 when the line
 * has none.  logfmt builds the object as it writes the text; the others'
 * text is read by json_object().
 */
static size_t
fields(struct parser *p, const char *msg, size_t len, struct parsed *out)
{
	const char	*text = msg;
	char		*b;
	size_t		 n = len;

	switch (p->mode) {
	case PARSE_LOGFMT:
		b = room(p, LOGFMT_MAX(len));
		if (b == NULL)
			return 0;
		json_obj_begin(&out->obj, p->time_name, p->msg_name);
		n = logfmt_json(msg, len, b, &out->obj);
		if (n > 0)
			json_obj_end(&out->obj);
		return n;
	case PARSE_REGEX:
		n = regex_json(p, msg, len, (char **)&text);
		break;
	case PARSE_JSON:
		break;
	case PARSE_NONE:
	case PARSE_CRI:
		return 0;
	}
	if (n == 0 || json_object(text, n, p->time_name, p->msg_name,
	    &out->obj) == -1)
		return 0;
	return n;
}

static const struct json_member *
field(const struct json_obj *o, const char *name)
{
	int	 i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->members[i].key, name) == 0)
			return &o->members[i];
	return NULL;
}

/*
 * A field's value as text: a string's content, unescaped (only what a
 * time or a level may hold: \/ \\ \"), or a number as written.  The
 * length, or 0 when it is neither or longer than PARSE_VALUE_MAX.
 */
static size_t
value_text(const struct json_member *m, char *out)
{
	const char	*v = m->value, *end = m->value + m->valuelen;
	size_t		 n = 0;

	if (*v != '"') {
		if (*v != '-' && (*v < '0' || *v > '9'))
			return 0;
		if (m->valuelen > PARSE_VALUE_MAX)
			return 0;
		memcpy(out, v, m->valuelen);
		return m->valuelen;
	}
	for (v++, end--; v < end; v++) {
		if (n == PARSE_VALUE_MAX)
			return 0;
		if (*v == '\\') {
			if (v[1] != '/' && v[1] != '\\' && v[1] != '"')
				return 0;
			v++;
		}
		out[n++] = *v;
	}
	return n;
}

/* time.key: 0 when absent or taken, -1 when it does not parse. */
static int
take_time(const struct parser *p, struct parsed *out)
{
	const struct json_member	*m = field(&out->obj, p->time_key);
	char				 text[PARSE_VALUE_MAX];
	uint64_t			 ns;
	size_t				 n;

	if (m == NULL)
		return 0;
	n = value_text(m, text);
	if (n == 0 || timestamp_parse(p->time_fmt, p->time_pattern, text, n,
	    &ns) == -1)
		return -1;
	out->tbuf[0] = '"';
	n = timestamp_format(ns, out->tbuf + 1) + 1;
	out->tbuf[n++] = '"';
	out->time = out->tbuf;
	out->timelen = n;
	return 0;
}

/* level.key: a known severity by its name, else the value as written. */
static void
take_level(const struct parser *p, struct parsed *out)
{
	const struct json_member	*m = field(&out->obj, p->level_key);
	struct severity			 sv;
	char				 text[PARSE_VALUE_MAX];
	size_t				 n;

	if (m == NULL || (n = value_text(m, text)) == 0)
		return;
	if (*m->value == '"') {
		out->level_src = m->value;
		out->level_srclen = m->valuelen;
	}
	if (severity_parse(text, n, &sv) == 0) {
		out->severity = sv.number;
		n = strlen(sv.name);
		out->lbuf[0] = '"';
		memcpy(out->lbuf + 1, sv.name, n);
		out->lbuf[n + 1] = '"';
		out->level = out->lbuf;
		out->levellen = n + 2;
	} else if (*m->value == '"') {
		out->level = m->value;
		out->levellen = m->valuelen;
	} else if (m->valuelen + 2 <= sizeof(out->lbuf)) {
		out->lbuf[0] = '"';
		memcpy(out->lbuf + 1, m->value, m->valuelen);
		out->lbuf[m->valuelen + 1] = '"';
		out->level = out->lbuf;
		out->levellen = m->valuelen + 2;
	}
}

/*
 * 1: the message's fields are in out; 0: it is shipped as a plain
 * message (no parser, or a line that does not parse: then *errors is
 * counted up, as it is for a time.key that does not parse).
 */
int
parser_run(struct parser *p, const char *msg, size_t len, struct parsed *out,
    int *errors)
{
	size_t		 n;

	out->time = out->level = out->level_src = NULL;
	out->timelen = out->levellen = out->level_srclen = 0;
	out->severity = 0;
	if (p->mode == PARSE_NONE || p->mode == PARSE_CRI)
		return 0;
	n = fields(p, msg, len, out);
	if (n == 0) {
		(*errors)++;
		return 0;
	}
	out->textlen = n;
	if (p->time_key != NULL && take_time(p, out) == -1)
		(*errors)++;
	if (p->level_key != NULL)
		take_level(p, out);
	return 1;
}
