/*
 * config.c: the INI file, through inih, into one typed struct config.
 *
 * The keys of each section are described by a table (name, type, place
 * in the struct, default, bounds); the same table drives parsing, the
 * defaults and `sidelog check`'s printout, so the three cannot disagree.
 * Unlike a config map that fills a struct holding runtime state, the
 * struct filled here holds nothing but settings and is read-only once
 * config_load() returns.  Checks that involve several keys live in
 * config_check.c; both report through cfgp_error() so every message has
 * the same "FILE:LINE: [section] key: what" shape.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "config_int.h"
#include "log.h"
#include "value.h"

void
config_free(struct config *cfg)
{
	struct config_impl	*impl;

	if (cfg == NULL)
		return;
	impl = (struct config_impl *)((char *)cfg -
	    offsetof(struct config_impl, cfg));
	cfgp_free_chunks(impl->chunks);
	free(impl);
}

/* --- suggestions for typos -------------------------------------------- */

/* Edit distance of two short strings, capped: only "is it close?" matters. */
static int
distance(const char *a, const char *b)
{
	int	 row[64], prev, tmp, i, j, la = (int)strlen(a),
		 lb = (int)strlen(b);

	if (la >= 63 || lb >= 63)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

static const char *
suggest_key(const struct cfgp_key *keys, const char *name)
{
	const char	*best = NULL;
	int		 d, bestd = 3;

	for (; keys->name != NULL; keys++) {
		d = distance(keys->name, name);
		if (d < bestd) {
			bestd = d;
			best = keys->name;
		}
	}
	return best;
}

/* --- values ----------------------------------------------------------- */

static int
parse_enum(const struct cfgp_key *k, const char *v, int *out, char *err)
{
	char	 list[160] = "";
	size_t	 o = 0;
	int	 i;

	for (i = 0; k->choices[i] != NULL; i++) {
		if (strcasecmp(v, k->choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	for (i = 0; k->choices[i] != NULL && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
		    i == 0 ? "" : k->choices[i + 1] == NULL ? " or " : ", ",
		    k->choices[i]);
	snprintf(err, VALUE_ERRLEN, "expected %.60s, got \"%.60s\"", list, v);
	return -1;
}

/* Comma-separated items, trimmed; empty items are skipped. */
static int
parse_list(struct cfgp *p, const char *v, const char ***out, int *count,
    char *err)
{
	const char	**items;
	const char	 *s, *e, *end;
	int		  n = 0;

	items = cfgp_alloc(p, sizeof(*items) * CONFIG_MAX_GLOBS);
	if (items == NULL)
		return -1;
	for (s = v; *s != '\0'; s = *e ? e + 1 : e) {
		e = s + strcspn(s, ",");
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		for (end = e; end > s && (end[-1] == ' ' || end[-1] == '\t');)
			end--;
		if (end == s)
			continue;
		if (n == CONFIG_MAX_GLOBS) {
			snprintf(err, VALUE_ERRLEN, "more than %d entries",
			    CONFIG_MAX_GLOBS);
			return -1;
		}
		items[n] = cfgp_alloc(p, (size_t)(end - s) + 1);
		if (items[n] == NULL)
			return -1;
		memcpy((char *)items[n++], s, (size_t)(end - s));
	}
	*out = items;
	*count = n;
	return 0;
}

static void
range_text(const struct cfgp_key *k, uint64_t n, char *buf, size_t len)
{
	if (k->type == K_SIZE)
		value_format_size(n, buf, len);
	else if (k->type == K_DUR)
		value_format_duration(n, buf, len);
	else
		snprintf(buf, len, "%llu", (unsigned long long)n);
}

static int
check_range(const struct cfgp_key *k, uint64_t n, char *err)
{
	char	 lo[32], hi[32], got[32];

	if (n >= k->min && n <= k->max)
		return 0;
	range_text(k, k->min, lo, sizeof(lo));
	range_text(k, k->max, hi, sizeof(hi));
	range_text(k, n, got, sizeof(got));
	snprintf(err, VALUE_ERRLEN, "must be between %s and %s, got %s", lo,
	    hi, got);
	return -1;
}

/* Stores the text v as key k into the struct at base. */
static int
set_value(struct cfgp *p, const struct cfgp_key *k, char *base,
    const char *v, char *err)
{
	void		*dst = base + k->off;
	uint64_t	 n;
	int		 b;

	switch (k->type) {
	case K_STR:
		if ((k->flags & KF_NONEMPTY) && *v == '\0') {
			snprintf(err, VALUE_ERRLEN, "must not be empty");
			return -1;
		}
		*(const char **)dst = cfgp_strdup(p, v);
		return *(const char **)dst == NULL ? -1 : 0;
	case K_SIZE:
		if ((k->flags & KF_OFF) && *v == '\0')
			n = 0;
		else if (value_size(v, &n, err) == -1 ||
		    check_range(k, n, err) == -1)
			return -1;
		*(uint64_t *)dst = n;
		return 0;
	case K_DUR:
		if (value_duration(v, &n, err) == -1 ||
		    check_range(k, n, err) == -1)
			return -1;
		*(uint64_t *)dst = n;
		return 0;
	case K_INT:
		if (value_uint(v, &n, err) == -1 || check_range(k, n, err) == -1)
			return -1;
		*(int *)dst = (int)n;
		return 0;
	case K_BOOL:
		if (value_bool(v, &b, err) == -1)
			return -1;
		*(int *)dst = b;
		return 0;
	case K_ENUM:
		return parse_enum(k, v, (int *)dst, err);
	case K_LIST:
		return parse_list(p, v, (const char ***)dst,
		    (int *)(base + k->count), err);
	}
	return -1;
}

/* Every key of a table at its default.  A string default is taken as it
 * is ("" for a required key means "not given"); any other default that
 * fails to parse is a bug here, reported like a config error. */
static void
set_defaults(struct cfgp *p, const struct cfgp_key *k, char *base)
{
	char	 err[VALUE_ERRLEN];

	for (; k->name != NULL; k++) {
		if (k->type == K_STR)
			*(const char **)(base + k->off) = cfgp_strdup(p,
			    k->dflt);
		else if (set_value(p, k, base, k->dflt, err) == -1)
			cfgp_error(p, 0, NULL, k->name, "bad default: %s", err);
	}
}

/* --- pairs: fields.*, headers.*, metadata ------------------------------ */

static int
add_pair(struct cfgp *p, const struct config_pair **arr, int *n,
    const char *key, const char *value, int line)
{
	struct config_pair	*a;

	if (*n == CONFIG_MAX_PAIRS)
		return -1;
	if (*n % 16 == 0) {
		a = cfgp_alloc(p, sizeof(*a) * (size_t)(*n + 16));
		if (a == NULL)
			return -1;
		if (*n > 0)
			memcpy(a, *arr, sizeof(*a) * (size_t)*n);
		*arr = a;
	}
	a = (struct config_pair *)&(*arr)[*n];
	a->key = cfgp_strdup(p, key);
	a->value = cfgp_strdup(p, value);
	a->line = line;
	if (a->key == NULL || a->value == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* --- the inih callback ------------------------------------------------ */

static const struct cfgp_section *
find_section(const char *name)
{
	const struct cfgp_section	*s;

	for (s = cfgp_sections; s->name != NULL; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static void
unknown_section(struct cfgp *p, const char *name, int line)
{
	const struct cfgp_section	*s;
	const char			*best = NULL;
	int				 d, bestd = 3;

	for (s = cfgp_sections; s->name != NULL; s++) {
		d = distance(s->name, name);
		if (d < bestd) {
			bestd = d;
			best = s->name;
		}
	}
	if (strncmp(name, "input", 5) == 0 || (best && !strcmp(best, "input")))
		cfgp_error(p, line, name, NULL, "unknown section (inputs are "
		    "named [input.NAME])");
	else if (best != NULL)
		cfgp_error(p, line, name, NULL, "unknown section (did you mean "
		    "[%s]?)", best);
	else
		cfgp_error(p, line, name, NULL, "unknown section (expected "
		    "[sidelog], [input.NAME], [metadata], [output] or "
		    "[stdout])");
}

/* Whether c may appear in an input NAME; checkpoints store names raw. */
int
config_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

static int
valid_input_name(struct cfgp *p, const char *section, const char *name,
    int line)
{
	size_t	 i;

	if (*name == '\0') {
		cfgp_error(p, line, section, NULL, "input name is empty");
		return 0;
	}
	if (strlen(name) > CONFIG_MAX_NAME) {
		cfgp_error(p, line, section, NULL, "input name longer than %d "
		    "characters", CONFIG_MAX_NAME);
		return 0;
	}
	for (i = 0; name[i] != '\0'; i++) {
		if (!config_name_char(name[i])) {
			cfgp_error(p, line, section, NULL, "input name may hold "
			    "only letters, digits, '_', '-' and '.'");
			return 0;
		}
	}
	return 1;
}

static void
open_input(struct cfgp *p, const char *section, int line)
{
	struct config_input	*in;

	if (!valid_input_name(p, section, section + 6, line))
		return;
	if (p->cfg->ninputs == CONFIG_MAX_INPUTS) {
		cfgp_error(p, line, section, NULL, "more than %d inputs",
		    CONFIG_MAX_INPUTS);
		return;
	}
	in = &p->inputs[p->cfg->ninputs++];
	in->name = cfgp_strdup(p, section + 6);
	in->line = line;
	p->sec = find_section("input");
	set_defaults(p, p->sec->keys, (char *)in);
	p->in = in;
}

static void
open_section(struct cfgp *p, const char *section, int line)
{
	int	 first;

	p->sec = NULL;
	p->in = NULL;
	snprintf(p->section, sizeof(p->section), "%s", section);
	/* inih cuts longer names to this; reject rather than guess. */
	if (strlen(section) >= CFGP_INIH_MAX_SECTION) {
		cfgp_error(p, line, section, NULL, "section name too long");
		return;
	}
	first = cfgp_remember(p, section, "", line);
	if (first != 0) {
		cfgp_error(p, line, section, NULL, "section given twice (first "
		    "at line %d)", first);
		return;
	}
	if (strncmp(section, "input.", 6) == 0) {
		open_input(p, section, line);
		return;
	}
	p->sec = find_section(section);
	if (p->sec == NULL || strcmp(section, "input") == 0) {
		p->sec = NULL;
		unknown_section(p, section, line);
		return;
	}
	if (strcmp(section, "output") == 0)
		p->cfg->output.enabled = 1;
}

static const struct cfgp_key *
find_key(const struct cfgp_key *k, const char *name)
{
	for (; k->name != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* A "KEY = VALUE" whose key is free-form: fields.*, headers.*,
 * headers_file.*, metadata; prefix is the kind's. */
static void
set_pair(struct cfgp *p, const char *prefix, const char *name,
    const char *value, int line)
{
	const struct config_pair	**arr;
	int				 *n;
	const char			 *key = name + strlen(prefix);

	if (p->in != NULL && prefix == p->sec->prefix2) {
		arr = &p->in->redacts;
		n = &p->in->nredacts;
	} else if (p->in != NULL) {
		arr = &p->in->fields;
		n = &p->in->nfields;
	} else if (prefix == p->sec->prefix2) {
		arr = &p->cfg->output.header_files;
		n = &p->cfg->output.nheader_files;
	} else if (strcmp(p->sec->name, "output") == 0) {
		arr = &p->cfg->output.headers;
		n = &p->cfg->output.nheaders;
	} else {
		arr = &p->cfg->metadata;
		n = &p->cfg->nmetadata;
	}
	if (*key == '\0') {
		cfgp_error(p, line, p->section, name, "name missing after "
		    "\"%s\"", prefix);
		return;
	}
	if (add_pair(p, arr, n, key, value, line) == -1)
		cfgp_error(p, line, p->section, name, "more than %d entries of "
		    "this kind", CONFIG_MAX_PAIRS);
}

static void
unknown_key(struct cfgp *p, const char *name, int line)
{
	const char	*best = suggest_key(p->sec->keys, name);

	if (best != NULL)
		cfgp_error(p, line, p->section, name, "unknown key (did you "
		    "mean %s?)", best);
	else if (p->sec->prefix != NULL && *p->sec->prefix != '\0')
		cfgp_error(p, line, p->section, name, "unknown key (free-form "
		    "names go after \"%s\")", p->sec->prefix);
	else
		cfgp_error(p, line, p->section, name, "unknown key");
}

/* "a value" stays as written; "\"a value\"" loses its quotes. */
static const char *
unquote(const char *v, char *buf, size_t len)
{
	size_t	 n = strlen(v);

	if (n < 2 || v[0] != '"' || v[n - 1] != '"' || n - 2 >= len)
		return v;
	memcpy(buf, v + 1, n - 2);
	buf[n - 2] = '\0';
	return buf;
}

/* Offline: the key's value keeps its unset ${VAR}s, and the pod must
 * set them; what they make of the value is judged there. */
static void
note_unset(struct cfgp *p, const char *name, int line, const char *unset)
{
	int	 i;

	for (i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i].section, p->section) == 0 &&
		    strcmp(p->seen[i].key, name) == 0)
			snprintf(p->seen[i].unset, sizeof(p->seen[i].unset),
			    "%s", unset);
	cfgp_expect(p, line, p->section, name, "environment variable%s %s",
	    strchr(unset, ',') != NULL ? "s" : "", unset);
}

static void
set_key(struct cfgp *p, const char *name, const char *raw, int line)
{
	const struct cfgp_key	*k;
	char			 ubuf[VALUE_MAXLEN], v[VALUE_MAXLEN];
	char			 err[VALUE_ERRLEN], unset[96];
	int			 first;

	first = cfgp_remember(p, p->section, name, line);
	if (first != 0) {
		cfgp_error(p, line, p->section, name, "given twice (first at "
		    "line %d)", first);
		return;
	}
	if (value_expand_unset(unquote(raw, ubuf, sizeof(ubuf)), v, sizeof(v),
	    p->offline ? unset : NULL, sizeof(unset), err) == -1) {
		cfgp_error(p, line, p->section, name, "%s", err);
		return;
	}
	if (p->offline && *unset != '\0')
		note_unset(p, name, line, unset);
	k = find_key(p->sec->keys, name);
	if (k != NULL) {
		if (set_value(p, k, p->in ? (char *)p->in : (char *)p->cfg, v,
		    err) == -1)
			cfgp_error(p, line, p->section, name, "%s", err);
		return;
	}
	if (p->sec->prefix2 != NULL && strncmp(name, p->sec->prefix2,
	    strlen(p->sec->prefix2)) == 0)
		set_pair(p, p->sec->prefix2, name, v, line);
	else if (p->sec->prefix != NULL && strncmp(name, p->sec->prefix,
	    strlen(p->sec->prefix)) == 0)
		set_pair(p, p->sec->prefix, name, v, line);
	else
		unknown_key(p, name, line);
}

static int
handler(void *user, const char *section, const char *name,
    const char *value, int line)
{
	struct cfgp	*p = user;

	if (name == NULL) {
		open_section(p, section, line);
		return 1;
	}
	if (*section == '\0')
		cfgp_error(p, line, NULL, name, "key outside any section");
	else if (p->sec != NULL)
		set_key(p, name, value, line);
	/* Keys of a rejected section were reported with the section. */
	return 1;
}

/* --- loading ---------------------------------------------------------- */

/* What inih would mangle silently: NUL bytes and over-long lines. */
static void
check_text(struct cfgp *p, const char *buf, size_t len)
{
	size_t	 i, start = 0;
	int	 line = 1;

	for (i = 0; i <= len; i++) {
		if (i < len && buf[i] == '\0')
			cfgp_error(p, line, NULL, NULL, "NUL byte in the file");
		if (i == len || buf[i] == '\n') {
			if (i - start > CFGP_MAX_LINE)
				cfgp_error(p, line, NULL, NULL, "line longer "
				    "than %d bytes", CFGP_MAX_LINE);
			start = i + 1;
			line++;
		}
	}
}

/* The whole file, NUL-terminated and bounded. */
static char *
read_file(struct cfgp *p)
{
	char	*buf;
	ssize_t	 n = 0;
	size_t	 len = 0;
	int	 fd;

	fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		cfgp_error(p, 0, NULL, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	buf = malloc(CONFIG_MAX_BYTES + 1);
	if (buf == NULL) {
		close(fd);
		cfgp_error(p, 0, NULL, NULL, "out of memory");
		return NULL;
	}
	for (;;) {
		n = read(fd, buf + len, CONFIG_MAX_BYTES + 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_MAX_BYTES)
			break;
	}
	close(fd);
	if (n != 0) {
		if (n > 0)
			cfgp_error(p, 0, NULL, NULL, "larger than %d bytes",
			    CONFIG_MAX_BYTES);
		else
			cfgp_error(p, 0, NULL, NULL, "cannot read: %s",
			    strerror(errno));
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	check_text(p, buf, len);
	return buf;
}

static int
parse(struct cfgp *p)
{
	char	*buf;
	int	 rc;

	buf = read_file(p);
	if (buf == NULL)
		return -1;
	if (p->nerrors > 0) {
		free(buf);
		return -1;
	}
	rc = ini_parse_string(buf, handler, p);
	free(buf);
	if (rc > 0)
		cfgp_error(p, rc, NULL, NULL, "syntax error: expected "
		    "\"[section]\" or \"key = value\"");
	else if (rc < 0)
		cfgp_error(p, 0, NULL, NULL, "out of memory");
	return p->nerrors > 0 ? -1 : 0;
}

struct config *
config_load(const char *path, FILE *diag)
{
	return config_load_flags(path, diag, 0);
}

struct config *
config_load_flags(const char *path, FILE *diag, int flags)
{
	struct config_impl	*impl;
	struct cfgp		 p;
	const struct cfgp_section *s;

	impl = calloc(1, sizeof(*impl));
	memset(&p, 0, sizeof(p));
	p.msgs = calloc(CFGP_MAX_MSGS, sizeof(*p.msgs));
	if (impl == NULL || p.msgs == NULL) {
		fprintf(diag, "%s: out of memory\n", path);
		free(impl);
		free(p.msgs);
		return NULL;
	}
	p.impl = impl;
	p.cfg = &impl->cfg;
	p.path = path;
	p.diag = diag;
	p.offline = (flags & CONFIG_OFFLINE) != 0;
	p.cfg->path = cfgp_strdup(&p, path);
	p.inputs = cfgp_alloc(&p, sizeof(*p.inputs) * CONFIG_MAX_INPUTS);
	p.cfg->inputs = p.inputs;
	for (s = cfgp_sections; s->name != NULL; s++)
		if (strcmp(s->name, "input") != 0)
			set_defaults(&p, s->keys, (char *)p.cfg);
	if (p.nerrors == 0 && parse(&p) == 0)
		cfgp_check(&p);
	free(p.seen);
	cfgp_flush(&p);
	free(p.msgs);
	fflush(diag);
	if (p.nerrors > 0) {
		config_free(p.cfg);
		return NULL;
	}
	return p.cfg;
}

/* --- the effective configuration, for `sidelog check` ------------------ */

/* Header values that carry credentials are never printed. */
static int
is_secret_header(const char *name)
{
	static const char	*words[] = { "auth", "token", "secret", "key",
	    "password", "cookie", "session", "signature" };
	size_t			 i, n, len = strlen(name);
	const char		*s;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i]);
		for (s = name; s + n <= name + len; s++)
			if (strncasecmp(s, words[i], n) == 0)
				return 1;
	}
	return 0;
}

static void
print_value(FILE *fp, const struct cfgp_key *k, const char *base)
{
	const void	*v = base + k->off;
	char		 buf[32];
	int		 i, n;

	switch (k->type) {
	case K_STR:
		fprintf(fp, "%s", *(const char *const *)v ?
		    *(const char *const *)v : "");
		break;
	case K_SIZE:
		if ((k->flags & KF_OFF) && *(const uint64_t *)v == 0)
			break;
		value_format_size(*(const uint64_t *)v, buf, sizeof(buf));
		fputs(buf, fp);
		break;
	case K_DUR:
		value_format_duration(*(const uint64_t *)v, buf, sizeof(buf));
		fputs(buf, fp);
		break;
	case K_INT:
		fprintf(fp, "%d", *(const int *)v);
		break;
	case K_BOOL:
		fputs(*(const int *)v ? "true" : "false", fp);
		break;
	case K_ENUM:
		fputs(k->choices[*(const int *)v], fp);
		break;
	case K_LIST:
		n = *(const int *)(base + k->count);
		for (i = 0; i < n; i++)
			fprintf(fp, "%s%s", i ? ", " : "",
			    (*(const char *const *const *)v)[i]);
		break;
	}
}

static void
print_keys(FILE *fp, const struct cfgp_key *k, const char *base)
{
	for (; k->name != NULL; k++) {
		fprintf(fp, "%s = ", k->name);
		print_value(fp, k, base);
		fputc('\n', fp);
	}
}

static void
print_pairs(FILE *fp, const char *prefix, const struct config_pair *a,
    int n, int redact)
{
	int	 i;

	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s = %s\n", prefix, a[i].key,
		    redact && is_secret_header(a[i].key) ? "<redacted>" :
		    a[i].value);
}

/* With redact, credential header values print as <redacted>. */
static void
print_config(const struct config *c, FILE *fp, int redact)
{
	const struct config_input	*in;
	int				 i;

	fprintf(fp, "[sidelog]\n");
	print_keys(fp, cfgp_sections[0].keys, (const char *)c);
	for (i = 0; i < c->ninputs; i++) {
		in = &c->inputs[i];
		fprintf(fp, "\n[input.%s]\n", in->name);
		print_keys(fp, cfgp_sections[1].keys, (const char *)in);
		print_pairs(fp, "redact.", in->redacts, in->nredacts, 0);
		print_pairs(fp, "fields.", in->fields, in->nfields, 0);
	}
	fprintf(fp, "\n[metadata]\n");
	print_keys(fp, cfgp_sections[2].keys, (const char *)c);
	print_pairs(fp, "", c->metadata, c->nmetadata, 0);
	if (c->output.enabled) {
		fprintf(fp, "\n[output]\n");
		print_keys(fp, cfgp_sections[3].keys, (const char *)c);
		print_pairs(fp, "headers.", c->output.headers,
		    c->output.nheaders, redact);
		print_pairs(fp, "headers_file.", c->output.header_files,
		    c->output.nheader_files, 0);
	}
	fprintf(fp, "\n[stdout]\n");
	print_keys(fp, cfgp_sections[4].keys, (const char *)c);
}

void
config_print(const struct config *c, FILE *fp)
{
	print_config(c, fp, 1);
}

/* The whole text, secrets in clear: only ever compared, then wiped. */
static char *
print_whole(const struct config *c, size_t *len)
{
	char	*text = NULL;
	FILE	*fp;

	fp = open_memstream(&text, len);
	if (fp == NULL)
		return NULL;
	print_config(c, fp, 0);
	if (fclose(fp) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * Two configurations that print the same, secret header values
 * included, are the same: a reload that rotates only an API key must
 * not be taken for no change.  Not knowing (no memory) is "different".
 */
int
config_is_same(const struct config *a, const struct config *b)
{
	char	*pa, *pb;
	size_t	 la = 0, lb = 0;
	int	 same;

	pa = print_whole(a, &la);
	pb = print_whole(b, &lb);
	same = pa != NULL && pb != NULL && la == lb &&
	    memcmp(pa, pb, la) == 0;
	if (pa != NULL)
		explicit_bzero(pa, la);
	if (pb != NULL)
		explicit_bzero(pb, lb);
	free(pa);
	free(pb);
	return same;
}

/* The largest max_line_bytes of any input: what line buffers are sized
 * by. */
size_t
config_longest_line(const struct config *cfg)
{
	size_t	 max = 0;
	int	 i;

	for (i = 0; i < cfg->ninputs; i++)
		if (cfg->inputs[i].max_line_bytes > max)
			max = cfg->inputs[i].max_line_bytes;
	return max;
}
