/*
 * config_check.c: the rules that tie several keys together, run once the
 * whole file is parsed: what an input, the output and the record keys
 * need of each other, the files that must be readable, and the warnings
 * for settings that work but are probably not what was meant.  It also
 * fills the values derived from others (the URL's parts, id_seed).
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bulk.h"
#include "format.h"
#include "proxy_env.h"
#include "config.h"
#include "config_int.h"
#include "value.h"

/* --- record keys ------------------------------------------------------ */

/* One key of the record with where it came from, for messages. */
struct rkey {
	const char	*key;
	const char	*section;
	const char	*name;		/* the config key that set it */
	int		 line;
	int		 metadata;	/* an input's fields.* may replace it */
};

#define RKEYS_MAX	(2 * CONFIG_MAX_PAIRS + 8)

static int
valid_dotted(const char *k)
{
	const char	*s;

	if (*k == '\0' || *k == '.' || k[strlen(k) - 1] == '.' ||
	    strstr(k, "..") != NULL)
		return 0;
	for (s = k; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Two dotted keys clash when one is, or would contain, the other: the
 * record cannot hold "a.b" as a string and as an object at once. */
static int
clash(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b);

	if (la == lb)
		return strcmp(a, b) == 0;
	if (la < lb)
		return strncmp(a, b, la) == 0 && b[la] == '.';
	return strncmp(a, b, lb) == 0 && a[lb] == '.';
}

static void
add_rkey(struct rkey *r, int *n, const char *key, const char *section,
    const char *name, int line, int metadata)
{
	if (*key == '\0' || *n == RKEYS_MAX)
		return;
	r[*n] = (struct rkey){ key, section, name, line, metadata };
	(*n)++;
}

/* Reports each key from index start on that clashes with an earlier one. */
static void
check_clashes(struct cfgp *p, const struct rkey *r, int start, int n)
{
	int	 i, j;

	for (j = start; j < n; j++) {
		for (i = 0; i < j; i++) {
			if (!clash(r[i].key, r[j].key))
				continue;
			/* An input's fields.X overrides [metadata] X. */
			if (r[i].metadata && !r[j].metadata &&
			    strcmp(r[i].key, r[j].key) == 0 &&
			    strncmp(r[j].name, "fields.", 7) == 0)
				continue;
			cfgp_error(p, r[j].line, r[j].section, r[j].name,
			    "clashes with \"%s\" of [%s] %s", r[i].key,
			    r[i].section, r[i].name);
			break;
		}
	}
}

/* The fixed keys of every record plus [metadata]; returns how many. */
static int
base_rkeys(struct cfgp *p, struct rkey *r)
{
	const struct config_output	*o = &p->cfg->output;
	int				 n = 0, i;
	static const char		*names[] = { "time_key", "message_key",
	    "file_key", "offset_key", "id_key" };
	const char			*keys[] = { o->time_key, o->message_key,
	    o->file_key, o->offset_key, o->id_key };

	for (i = 0; i < 5; i++) {
		if (*keys[i] != '\0' && !valid_dotted(keys[i])) {
			cfgp_error(p, cfgp_line_of(p, "output", names[i]), "output",
			    names[i], "\"%s\" is not a valid dotted key",
			    keys[i]);
			continue;
		}
		add_rkey(r, &n, keys[i], "output", names[i],
		    cfgp_line_of(p, "output", names[i]), 0);
	}
	if (*p->cfg->labels_file != '\0')
		add_rkey(r, &n, "kubernetes.labels", "metadata", "labels_file",
		    cfgp_line_of(p, "metadata", "labels_file"), 0);
	for (i = 0; i < p->cfg->nmetadata; i++) {
		const struct config_pair *m = &p->cfg->metadata[i];

		if (!valid_dotted(m->key)) {
			cfgp_error(p, m->line, "metadata", m->key, "not a valid "
			    "dotted key (empty part or control character)");
			continue;
		}
		add_rkey(r, &n, m->key, "metadata", m->key, m->line, 1);
	}
	return n;
}

/* An input's own record keys: "stream" for cri, and its fields.*. */
static int
input_rkeys(struct cfgp *p, const struct config_input *in, struct rkey *r,
    int n)
{
	char	 sec[64], name[160];
	int	 j;

	snprintf(sec, sizeof(sec), "input.%s", in->name);
	if (in->parse == PARSE_CRI)
		add_rkey(r, &n, "stream", cfgp_strdup(p, sec), "parse",
		    cfgp_line_of(p, sec, "parse"), 0);
	for (j = 0; j < in->nfields; j++) {
		const struct config_pair *f = &in->fields[j];

		snprintf(name, sizeof(name), "fields.%s", f->key);
		if (!valid_dotted(f->key)) {
			cfgp_error(p, f->line, sec, name, "not a valid dotted "
			    "key (empty part or control character)");
			continue;
		}
		add_rkey(r, &n, f->key, cfgp_strdup(p, sec),
		    cfgp_strdup(p, name), f->line, 0);
	}
	return n;
}

static void
check_record_keys(struct cfgp *p)
{
	struct rkey	 r[RKEYS_MAX];
	int		 nbase, n, i;

	nbase = base_rkeys(p, r);
	check_clashes(p, r, 0, nbase);
	for (i = 0; i < p->cfg->ninputs; i++) {
		n = input_rkeys(p, &p->cfg->inputs[i], r, nbase);
		check_clashes(p, r, nbase, n);
	}
}

/* --- inputs ----------------------------------------------------------- */

/* Globs are watched per directory, so wildcards may only be in the last
 * component; the directory part must be a plain absolute path. */
static void
check_path(struct cfgp *p, const char *sec, int line, const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (path[0] != '/')
		cfgp_error(p, line, sec, "paths", "\"%s\" is not an absolute "
		    "path", path);
	else if (strpbrk(path, "*?[") != NULL &&
	    strpbrk(path, "*?[") < slash)
		cfgp_error(p, line, sec, "paths", "\"%s\": wildcards are "
		    "allowed in the file name only", path);
	else if (slash[1] == '\0')
		cfgp_error(p, line, sec, "paths", "\"%s\" names a directory; "
		    "add a file name or a pattern such as *.log", path);
}

static void
check_input(struct cfgp *p, struct config_input *in)
{
	char	 sec[64];
	int	 i, line;

	snprintf(sec, sizeof(sec), "input.%s", in->name);
	line = cfgp_line_of(p, sec, "paths");
	if (in->npaths == 0)
		cfgp_error(p, line, sec, "paths", "missing: each input needs "
		    "at least one path");
	for (i = 0; i < in->npaths; i++)
		check_path(p, sec, line, in->paths[i]);
	for (i = 0; i < in->nexclude; i++)
		if (strchr(in->exclude[i], '/') != NULL)
			cfgp_error(p, cfgp_line_of(p, sec, "exclude"), sec,
			    "exclude", "\"%s\": patterns match the file name, "
			    "without '/'", in->exclude[i]);
	if (*in->multiline_start == '\0')
		in->multiline_start = NULL;
	else
		cfgp_check_regex(p, sec, "multiline.start", in->multiline_start, NULL);
	if (*in->include_lines == '\0')
		in->include_lines = NULL;
	else
		cfgp_check_regex(p, sec, "include_lines", in->include_lines, NULL);
	if (*in->exclude_lines == '\0')
		in->exclude_lines = NULL;
	else
		cfgp_check_regex(p, sec, "exclude_lines", in->exclude_lines, NULL);
	cfgp_check_process(p, in, sec);
	if (p->cfg->output.enabled &&
	    in->max_line_bytes > p->cfg->output.batch_max_bytes)
		cfgp_error(p, cfgp_line_of(p, sec, "max_line_bytes"), sec,
		    "max_line_bytes", "must not exceed [output] "
		    "batch_max_bytes, or a long line could never be sent");
}

/* --- output ----------------------------------------------------------- */

static int
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void
check_header(struct cfgp *p, const struct config_pair *h, const char *kind)
{
	static const char	*ours[] = { "Host", "Content-Length",
	    "Content-Encoding", "Transfer-Encoding", "Connection", "Expect",
	    "Keep-Alive", "TE", "Upgrade" };
	const struct config_output *o = &p->cfg->output;
	char			 name[160];
	const char		*s;
	size_t			 i;

	snprintf(name, sizeof(name), "%s%s", kind, h->key);
	for (s = h->key; *s != '\0'; s++)
		if (!is_tchar(*s)) {
			cfgp_error(p, h->line, "output", name, "not a valid "
			    "header name");
			return;
		}
	for (s = h->value; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f) {
			cfgp_error(p, h->line, "output", name, "value holds a "
			    "control character");
			return;
		}
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strcasecmp(h->key, ours[i]) == 0)
			cfgp_error(p, h->line, "output", name, "set by sidelog "
			    "itself");
	if (strcasecmp(h->key, "Authorization") == 0 &&
	    (*o->auth_user != '\0' || *o->auth_bearer_token_file != '\0'))
		cfgp_error(p, h->line, "output", name, "conflicts with "
		    "auth.*");
}

/* headers_file.NAME = PATH: a header name, a file there now (it is
 * re-read when it changes), and not a header given twice. */
static void
check_header_file(struct cfgp *p, const struct config_pair *h)
{
	const struct config_output *o = &p->cfg->output;
	struct config_pair	 named = { h->key, "", h->line };
	char			 name[160];
	int			 i;

	check_header(p, &named, "headers_file.");
	snprintf(name, sizeof(name), "headers_file.%s", h->key);
	for (i = 0; i < o->nheaders; i++)
		if (strcasecmp(o->headers[i].key, h->key) == 0)
			cfgp_error(p, h->line, "output", name, "also given as "
			    "headers.%s", o->headers[i].key);
	if (h->value[0] != '/') {
		cfgp_error(p, h->line, "output", name, "\"%s\" is not an "
		    "absolute path", h->value);
		return;
	}
	cfgp_check_readable(p, "output", name, h->value);
}

static void
check_auth(struct cfgp *p)
{
	const struct config_output *o = &p->cfg->output;
	const char		*s;

	if (*o->auth_user != '\0' && *o->auth_password_file == '\0')
		cfgp_error(p, cfgp_line_of(p, "output", "auth.user"), "output",
		    "auth.user", "needs auth.password_file");
	if (*o->auth_user == '\0' && *o->auth_password_file != '\0')
		cfgp_error(p, cfgp_line_of(p, "output", "auth.password_file"),
		    "output", "auth.password_file", "needs auth.user");
	if (*o->auth_user != '\0' && *o->auth_bearer_token_file != '\0')
		cfgp_error(p, cfgp_line_of(p, "output", "auth.bearer_token_file"),
		    "output", "auth.bearer_token_file", "cannot be combined "
		    "with auth.user");
	for (s = o->auth_scheme; *s != '\0'; s++)
		if (!is_tchar(*s)) {
			cfgp_error(p, cfgp_line_of(p, "output", "auth.scheme"),
			    "output", "auth.scheme", "not one word (an HTTP "
			    "token: Bearer, ApiKey, Splunk, ...)");
			break;
		}
}

static void
check_tls(struct cfgp *p)
{
	const struct config_output *o = &p->cfg->output;
	static const char	*keys[] = { "tls.ca_file", "tls.cert_file",
	    "tls.key_file", "tls.verify", "tls.server_name",
	    "tls.min_version" };
	size_t			 i;

	if (*o->tls_cert_file != '\0' && *o->tls_key_file == '\0')
		cfgp_error(p, cfgp_line_of(p, "output", "tls.cert_file"), "output",
		    "tls.cert_file", "needs tls.key_file too");
	if (*o->tls_cert_file == '\0' && *o->tls_key_file != '\0')
		cfgp_error(p, cfgp_line_of(p, "output", "tls.key_file"), "output",
		    "tls.key_file", "needs tls.cert_file too");
	if (o->u.tls && !o->tls_verify)
		cfgp_warn(p, cfgp_line_of(p, "output", "tls.verify"), "output",
		    "tls.verify", "off: the backend's certificate is not "
		    "checked, and anyone on the path can read the logs and "
		    "credentials");
	for (i = 0; !o->u.tls && i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cfgp_line(p, "output", keys[i]) != 0)
			cfgp_warn(p, cfgp_line(p, "output", keys[i]), "output",
			    keys[i], "ignored: the URL is http://, not "
			    "https://");
}

/* Only conversions that make sense in an index name. */
static void
check_es(struct cfgp *p)
{
	const struct config_output *o = &p->cfg->output;
	static const char	*keys[] = { "es.index", "es.action", "es.id" };
	const char		*s;
	size_t			 i;

	if (o->format != FORMAT_ELASTICSEARCH) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (cfgp_line(p, "output", keys[i]) != 0)
				cfgp_warn(p, cfgp_line(p, "output", keys[i]),
				    "output", keys[i], "ignored unless format "
				    "= elasticsearch");
		return;
	}
	if (strstr(o->u.path, "/_bulk") == NULL)
		cfgp_warn(p, cfgp_line_of(p, "output", "url"), "output", "url",
		    "format = elasticsearch but the path has no /_bulk");
	/* Every item's status must fit in the reply sidelog keeps. */
	if (o->batch_max_records > BULK_REPLY_MAX / BULK_ITEM_MAX)
		cfgp_error(p, cfgp_line_of(p, "output", "batch_max_records"),
		    "output", "batch_max_records", "at most %d with format = "
		    "elasticsearch: the _bulk reply (up to %d bytes an item) "
		    "must fit in the %d MiB sidelog reads",
		    BULK_REPLY_MAX / BULK_ITEM_MAX, BULK_ITEM_MAX,
		    BULK_REPLY_MAX >> 20);
	for (s = strchr(o->es_index, '%'); s != NULL; s = strchr(s + 2, '%'))
		if (s[1] == '\0' || strchr("YmdHjuVGgy%", s[1]) == NULL) {
			cfgp_error(p, cfgp_line_of(p, "output", "es.index"),
			    "output", "es.index", "unsupported conversion "
			    "\"%%%c\" (use %%Y %%m %%d %%H %%j %%u %%V %%G %%g "
			    "%%y %%%%)", s[1] ? s[1] : ' ');
			return;
		}
}

/* SPEC: id_seed defaults to ${HOSTNAME}, which is the pod's name; a
 * shell may not export it, so ask the kernel then. */
static const char *
default_seed(void)
{
	static char	 host[256];
	const char	*h = getenv("HOSTNAME");

	if (h != NULL && *h != '\0')
		return h;
	if (gethostname(host, sizeof(host) - 1) == -1)
		return "";
	return host;
}

/* Keys of one format only, given with another: said, not fatal. */
static void
check_format_keys(struct cfgp *p)
{
	static const struct {
		const char	*key;
		enum out_format	 format;
	} only[] = {
		{ "loki.labels", FORMAT_LOKI }, { "loki.line", FORMAT_LOKI },
		{ "hec.index", FORMAT_SPLUNK_HEC },
		{ "hec.sourcetype", FORMAT_SPLUNK_HEC },
	};
	const struct config_output *o = &p->cfg->output;
	size_t			 i;
	int			 line;

	for (i = 0; i < sizeof(only) / sizeof(only[0]); i++)
		if (o->format != only[i].format &&
		    (line = cfgp_line(p, "output", only[i].key)) != 0)
			cfgp_warn(p, line, "output", only[i].key, "ignored "
			    "unless format = %s", format_of(&(struct
			    config_output){ .format = only[i].format })->name);
}

/* loki.labels: record keys whose Loki names are valid and distinct. */
static void
check_loki(struct cfgp *p)
{
	const struct config_output *o = &p->cfg->output;
	char			 seen[LOKI_LABELS_MAX][LOKI_NAME_MAX];
	char			 key[LOKI_NAME_MAX], *k;
	const char		*s, *e;
	int			 n = 0, i, line;

	line = cfgp_line_of(p, "output", "loki.labels");
	for (s = o->loki_labels; *s != '\0'; s = *e ? e + 1 : e) {
		e = s + strcspn(s, ",");
		snprintf(key, sizeof(key), "%.*s", (int)(e - s), s);
		k = key + strspn(key, " \t");
		k[strcspn(k, " \t")] = '\0';
		if (*k == '\0')
			continue;
		if (n == LOKI_LABELS_MAX) {
			cfgp_error(p, line, "output", "loki.labels", "more "
			    "than %d labels (Loki's default limit)",
			    LOKI_LABELS_MAX);
			return;
		}
		format_loki_name(k, seen[n], sizeof(seen[n]));
		if (strncmp(seen[n], "__", 2) == 0)
			cfgp_error(p, line, "output", "loki.labels",
			    "\"%s\" would be the label %s: Loki keeps names "
			    "that begin with __ for itself", k, seen[n]);
		for (i = 0; i < n; i++)
			if (strcmp(seen[i], seen[n]) == 0)
				cfgp_error(p, line, "output", "loki.labels",
				    "two keys make the label %s", seen[n]);
		n++;
	}
}

/*
 * What each backend documents as the most it takes: batch_max_bytes
 * (before compression) above it would be answered 413 and split every
 * time.  OTel Collector: confighttp max_request_body_size, 20 MiB.
 * Loki: distributor.max_recv_msg_size, 100 MiB, and a line at most
 * limits_config max_line_size, 256 KiB.  Splunk HEC: limits.conf
 * [http_input] max_content_length, 800 MB (and 1 MB by default before
 * Splunk 8.0).
 */
static void
check_batch_limits(struct cfgp *p)
{
	static const struct {
		enum out_format	 format;
		uint64_t	 max;
		const char	*what;
	} lim[] = {
		{ FORMAT_OTLP, 20ULL << 20, "the OTel Collector's default "
		    "max_request_body_size (20 MiB)" },
		{ FORMAT_LOKI, 100ULL << 20, "Loki's default "
		    "max_recv_msg_size (100 MiB)" },
		{ FORMAT_SPLUNK_HEC, 800000000ULL, "Splunk's default HEC "
		    "max_content_length (800 MB)" },
	};
	const struct config_output *o = &p->cfg->output;
	size_t			 i;
	int			 j;

	for (i = 0; i < sizeof(lim) / sizeof(lim[0]); i++)
		if (o->format == lim[i].format &&
		    o->batch_max_bytes > lim[i].max)
			cfgp_warn(p, cfgp_line_of(p, "output", "batch_max_bytes"),
			    "output", "batch_max_bytes", "above %s: batches "
			    "will be refused (413) and split", lim[i].what);
	if (o->format != FORMAT_LOKI)
		return;
	for (j = 0; j < p->cfg->ninputs; j++)
		if (p->cfg->inputs[j].max_line_bytes > 256 * 1024)
			cfgp_warn(p, p->cfg->inputs[j].line, "input",
			    "max_line_bytes", "above Loki's default "
			    "max_line_size (256 KiB): longer lines are refused "
			    "and go to dead_letter");
}

/*
 * Which proxy a run uses (proxy_env.c: the key, else the environment as
 * curl reads it) and its URL's parts: http:// or https://, a host, a
 * port, no path; user:password in an environment URL is kept apart.
 */
static void
check_proxy(struct cfgp *p)
{
	struct config_output	*o = &p->cfg->output;
	struct proxy_choice	 pc;
	char			 err[VALUE_ERRLEN], url[PROXY_URL_MAX];
	const char		*at, *rest, *key = "proxy";
	int			 line = cfgp_line_of(p, "output", "proxy");

	if (*o->proxy_user != '\0' && *o->proxy_password_file == '\0')
		cfgp_error(p, cfgp_line_of(p, "output", "proxy.user"), "output",
		    "proxy.user", "needs proxy.password_file");
	if (proxy_env_pick(o->proxy, o->u.tls, o->u.host, o->u.port,
	    &pc) == -1) {
		cfgp_error(p, line, "output", key, "%s", pc.why);
		return;
	}
	o->proxy_why = cfgp_strdup(p, pc.why);
	if (pc.url[0] == '\0')
		return;
	/* user:password@ goes to proxy_userinfo, never to the log. */
	rest = strstr(pc.url, "://");
	rest = rest != NULL ? rest + 3 : pc.url;
	at = strchr(rest, '@');
	if (at != NULL && (strchr(rest, '/') == NULL ||
	    at < strchr(rest, '/'))) {
		snprintf(url, sizeof(url), "%.*s", (int)(at - rest), rest);
		o->proxy_userinfo = cfgp_strdup(p, url);
		snprintf(url, sizeof(url), "%.*s%s", (int)(rest - pc.url),
		    pc.url, at + 1);
	} else
		snprintf(url, sizeof(url), "%s", pc.url);
	explicit_bzero(pc.url, sizeof(pc.url));
	if (value_url(url, &o->pu, err) == -1 ||
	    strcmp(o->pu.path, "/") != 0) {
		cfgp_error(p, line, "output", key, "the proxy (%s) is not "
		    "http://HOST:PORT or https://HOST:PORT%s%s", pc.why,
		    *err ? ": " : "", err);
		return;
	}
	if (o->proxy_userinfo != NULL && *o->proxy_user != '\0')
		cfgp_warn(p, cfgp_line_of(p, "output", "proxy.user"), "output",
		    "proxy.user", "the proxy's URL has credentials too; "
		    "proxy.user wins");
	o->proxy_on = 1;
}

static void
check_output(struct cfgp *p)
{
	struct config_output	*o = &p->cfg->output;
	char			 err[VALUE_ERRLEN];
	int			 i;

	if (*o->url == '\0') {
		cfgp_error(p, cfgp_line_of(p, "output", "url"), "output", "url",
		    "missing: where should logs go?");
		return;
	}
	if (value_url(o->url, &o->u, err) == -1) {
		cfgp_error(p, cfgp_line_of(p, "output", "url"), "output", "url",
		    "%s", err);
		return;
	}
	check_tls(p);
	check_auth(p);
	check_proxy(p);
	for (i = 0; i < o->nheaders; i++)
		check_header(p, &o->headers[i], "headers.");
	for (i = 0; i < o->nheader_files; i++)
		check_header_file(p, &o->header_files[i]);
	check_es(p);
	check_format_keys(p);
	check_batch_limits(p);
	if (o->format == FORMAT_LOKI)
		check_loki(p);
	if (o->retry_initial_ms > o->retry_max_ms)
		cfgp_error(p, cfgp_line_of(p, "output", "retry_initial"), "output",
		    "retry_initial", "must not exceed retry_max");
	if (p->cfg->memory_limit < o->batch_max_bytes * 2)
		cfgp_error(p, cfgp_line_of(p, "sidelog", "memory_limit"), "sidelog",
		    "memory_limit", "must be at least twice [output] "
		    "batch_max_bytes");
}


/* --- [sidelog] and the whole --------------------------------------------- */

static void
check_sidelog(struct cfgp *p)
{
	const struct config	*c = p->cfg;
	char			 host[256], err[VALUE_ERRLEN];
	int			 port;

	if (strchr(c->checkpoint_file, '/') != NULL ||
	    strcmp(c->checkpoint_file, ".") == 0 ||
	    strcmp(c->checkpoint_file, "..") == 0)
		cfgp_error(p, cfgp_line_of(p, "sidelog", "checkpoint_file"),
		    "sidelog", "checkpoint_file", "must be a file name, not a "
		    "path (it lives in checkpoint_dir)");
	if (*c->listen != '\0' && value_hostport(c->listen, host,
	    sizeof(host), &port, err) == -1)
		cfgp_error(p, cfgp_line_of(p, "sidelog", "listen"), "sidelog",
		    "listen", "%s", err);
	if (c->shutdown_grace_ms >= c->shutdown_timeout_ms)
		cfgp_error(p, cfgp_line_of(p, "sidelog", "shutdown_grace"),
		    "sidelog", "shutdown_grace", "must be shorter than "
		    "shutdown_timeout, or the final drain gets no time");
}

/* Secrets and certificates must be there at start; they are re-read
 * when they change, but a typo in a path should fail now. */
static void
check_files(struct cfgp *p)
{
	const struct cfgp_section	*s;
	const struct cfgp_key		*k;
	const char			*path;

	for (s = cfgp_sections; s->name != NULL; s++) {
		if (strcmp(s->name, "input") == 0 ||
		    (strcmp(s->name, "output") == 0 && !p->cfg->output.enabled))
			continue;
		for (k = s->keys; k->name != NULL; k++) {
			if (!(k->flags & KF_FILE))
				continue;
			path = *(const char *const *)((const char *)p->cfg +
			    k->off);
			if (*path != '\0')
				cfgp_check_readable(p, s->name, k->name, path);
		}
	}
}

/* Offline: the directories the pod shares or keeps, which need not
 * exist where the check runs (each input's, the checkpoint's). */
static void
expect_dirs(struct cfgp *p)
{
	const struct config	*c = p->cfg;
	char			 sec[64];
	const char		*g, *slash;
	int			 i, j;

	cfgp_expect(p, cfgp_line_of(p, "sidelog", "checkpoint_dir"),
	    "sidelog", "checkpoint_dir", "a directory the pod keeps (a "
	    "PersistentVolumeClaim; created if missing): %s",
	    c->checkpoint_dir);
	for (i = 0; i < c->ninputs; i++) {
		snprintf(sec, sizeof(sec), "input.%s", c->inputs[i].name);
		for (j = 0; j < c->inputs[i].npaths; j++) {
			g = c->inputs[i].paths[j];
			slash = strrchr(g, '/');
			if (slash == NULL)
				continue;
			cfgp_expect(p, cfgp_line_of(p, sec, "paths"), sec,
			    "paths", "a directory the pod mounts, shared with "
			    "the app: %.*s", slash == g ? 1 :
			    (int)(slash - g), g);
		}
	}
}

void
cfgp_check(struct cfgp *p)
{
	struct config	*c = p->cfg;
	int		 i;

	if (c->ninputs == 0)
		cfgp_error(p, 0, NULL, NULL, "no [input.NAME] section: nothing "
		    "to read");
	if (!c->output.enabled && !c->emit_enabled)
		cfgp_error(p, 0, NULL, NULL, "nothing to ship to: add an "
		    "[output] section or set [stdout] enabled = true");
	check_sidelog(p);
	for (i = 0; i < c->ninputs; i++)
		check_input(p, &p->inputs[i]);
	if (c->output.enabled)
		check_output(p);
	check_record_keys(p);
	check_files(p);
	if (p->offline)
		expect_dirs(p);
	if (*c->output.id_seed == '\0')
		c->output.id_seed = cfgp_strdup(p, default_seed());
}
