/*
 * probe.c: `sidelog probe`: the configured output tried once, from where
 * sidelog runs, with the shipper's own pieces (the proxy the checks
 * chose, tls.c's configuration, output_auth.c's credentials and headers,
 * conn.c's steps), and a request the backend stores nothing from (SPEC
 * "Operations").  Each step is printed as conn.c ends it, with its time
 * and outcome; the first failure is put in words a person can act on.
 * It owns those words and the request; it sends no record and writes no
 * checkpoint.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "format.h"
#include "log.h"
#include "loop.h"
#include "output_auth.h"
#include "probe.h"
#include "tls.h"

#define PROBE_REPLY	(16 * 1024)	/* reply bytes kept: ES's GET / is
					   ~600, an error page a few KiB */
#define PROBE_EXCERPT	120		/* of a reply body, in a reason */
#define PROBE_WHY	900
#define PROBE_HEAD	(16 * 1024)	/* the request head, as output.c's */
#define HEC_NO_DATA	5		/* HEC's "No data": the token passed */

struct probe {
	const struct config_output	*oc;
	FILE				*out;
	struct loop			*lp;
	struct conn			*c;
	struct timespec			 mark;	/* the last step's end */
	char				 req[2400];	/* the request line */
	const char			*failed;	/* the step, or NULL */
	int				 done;		/* the request ended */
	char				 why[PROBE_WHY];
};

static const char *const step_names[] = {
	"resolve", "connect", "proxy-tls", "tunnel", "tls", "request"
};

/* Milliseconds since the last step ended; the mark moves to now. */
static double
lap(struct probe *p)
{
	struct timespec	 now;
	double		 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - p->mark.tv_sec) * 1e3 +
	    (now.tv_nsec - p->mark.tv_nsec) / 1e6;
	p->mark = now;
	return ms;
}

/* One step's line: its name, what it reached, its time and outcome;
 * why NULL: ok.  The first failure is the one the summary names. */
static void
say(struct probe *p, const char *step, const char *what, const char *why)
{
	fprintf(p->out, "%-9s %-46s %8.1f ms  %s%s\n", step, what, lap(p),
	    why != NULL ? "FAILED: " : "ok", why != NULL ? why : "");
	if (why != NULL && p->failed == NULL) {
		p->failed = step;
		snprintf(p->why, sizeof(p->why), "%s", why);
	}
	fflush(p->out);
}

/* Which credentials the output sends, for a 401 or 403. */
static const char *
credentials(const struct config_output *oc)
{
	if (*oc->auth_bearer_token_file != '\0')
		return "auth.bearer_token_file";
	if (*oc->auth_user != '\0')
		return "auth.user and auth.password_file";
	if (oc->nheader_files > 0)
		return "headers_file.*";
	return NULL;
}

/* What timed out, and after how long ([output] timeout bounds the whole
 * request, as in the shipper). */
static void
timed_out(struct probe *p, const struct conn_event *ev, char *why,
    size_t len)
{
	double	 s = p->oc->timeout_ms / 1e3;

	if (ev->step == CONN_CONNECT)
		snprintf(why, len, "timed out after %g s connecting to %s", s,
		    ev->what);
	else if (ev->step == CONN_RESOLVE)
		snprintf(why, len, "no address for %s after %g s", ev->what, s);
	else
		snprintf(why, len, "no answer after %g s from %s (%s)", s,
		    ev->what, ev->error);
}

/* A failed step's reason, in words. */
static void
failure(struct probe *p, const struct conn_event *ev, char *why,
    size_t len)
{
	const char	*tw = ev->tls != NULL ? tls_why(ev->tls) : "";
	int		 ps = conn_proxy_status(p->c);

	if (ev->err == ETIMEDOUT)
		timed_out(p, ev, why, len);
	else if (ev->step == CONN_CONNECT && ev->err == ECONNREFUSED)
		snprintf(why, len, "connection refused at %s", ev->what);
	else if (ev->step == CONN_RESOLVE)
		snprintf(why, len, "%s: %s", ev->what, ev->error);
	else if (ev->step == CONN_CONNECT && ev->err != 0)
		snprintf(why, len, "%s at %s", strerror(ev->err), ev->what);
	else if (ps == 407)
		snprintf(why, len, "407 from the proxy: proxy credentials "
		    "refused or missing (proxy.user, proxy.password_file, or "
		    "user:password in the proxy URL)");
	else if (*tw != '\0')
		snprintf(why, len, "%s", tw);
	else
		snprintf(why, len, "%s", ev->error);
}

static void
on_step(void *arg, const struct conn_event *ev)
{
	struct probe	*p = arg;
	char		 what[PROBE_WHY], why[PROBE_WHY];

	if (ev->failed) {
		failure(p, ev, why, sizeof(why));
		say(p, step_names[ev->step], ev->step == CONN_REQUEST ?
		    p->req : ev->what, why);
		return;
	}
	if (ev->step == CONN_TLS || ev->step == CONN_PROXY_TLS)
		snprintf(what, sizeof(what), "%s, %s%s", tls_version(ev->tls),
		    tls_peer(ev->tls), p->oc->tls_verify ? "" :
		    " (tls.verify = false: not checked)");
	else
		snprintf(what, sizeof(what), "%s", ev->what);
	say(p, step_names[ev->step], what, NULL);
}

/* What the reply says of records sent the same way: NULL, they would
 * be accepted, or why not. */
static const char *
judge(struct probe *p, const struct http_resp *r, char *why, size_t len)
{
	const char	*cred = credentials(p->oc);
	char		 ex[PROBE_EXCERPT], text[64];
	int		 code;

	http_excerpt(r, ex, sizeof(ex));
	if (p->oc->format == FORMAT_SPLUNK_HEC && r->status == 400 &&
	    format_hec_error(r->body, r->bodylen, &code, text,
	    sizeof(text)) == 0 && code == HEC_NO_DATA)
		return NULL;	/* an empty POST that passed the token check */
	if (r->status >= 200 && r->status <= 299)
		return NULL;
	if ((r->status == 401 || r->status == 403) && cred != NULL)
		snprintf(why, len, "%d from the backend: the credentials (%s) "
		    "were refused: %s", r->status, cred, ex);
	else if (r->status == 401 || r->status == 403)
		snprintf(why, len, "%d from the backend: it wants credentials "
		    "and none are configured (auth.*): %s", r->status, ex);
	else if (r->status == 407)
		snprintf(why, len, "407 from the proxy: proxy credentials "
		    "refused or missing (proxy.user, proxy.password_file)");
	else if (r->status == 404)
		snprintf(why, len, "404 from the backend: nothing at this "
		    "path; check url: %s", ex);
	else
		snprintf(why, len, "%d from the backend: %s", r->status, ex);
	return why;
}

static void
on_done(void *arg, struct conn *c, enum conn_result res,
    const struct http_resp *r, const char *error)
{
	struct probe	*p = arg;
	char		 what[sizeof(p->req) + 16], why[PROBE_WHY];

	(void)c;
	if (res == CONN_RESPONSE) {
		snprintf(what, sizeof(what), "%s -> %d", p->req, r->status);
		say(p, "request", what, judge(p, r, why, sizeof(why)));
	} else if (p->failed == NULL)	/* the trace said it, or: */
		say(p, "request", p->req, error);
	p->done = 1;
	loop_stop(p->lp);
}

/* The request: a no-op for each format (SPEC "Operations"). */
static const char *
probe_body(const struct config_output *oc)
{
	switch (oc->format) {
	case FORMAT_LOKI:
		return "{\"streams\":[]}";
	case FORMAT_OTLP:
		return "{\"resourceLogs\":[]}";
	default:
		return "";
	}
}

/*
 * The head as output.c writes it (Host, the Authorization and extra
 * headers, Proxy-Authorization in absolute form through a proxy), but
 * not compressed: an empty gzip body is not a no-op everywhere.
 */
static size_t
probe_head(struct probe *p, struct output_auth *a, const char *body,
    char *buf, size_t len)
{
	const struct config_output	*oc = p->oc;
	struct http_req			 q;
	char				 host[300];
	char				 target[sizeof(host) + 8 +
					    sizeof(oc->u.path)];
	int				 es, dflt;

	es = oc->format == FORMAT_ELASTICSEARCH;
	dflt = oc->u.port == (oc->u.tls ? 443 : 80);
	snprintf(host, sizeof(host), strchr(oc->u.host, ':') ?
	    (dflt ? "[%s]" : "[%s]:%d") : (dflt ? "%s" : "%s:%d"),
	    oc->u.host, oc->u.port);
	snprintf(target, sizeof(target), "%s%s%s", oc->proxy_on &&
	    !oc->u.tls ? "http://" : "", oc->proxy_on && !oc->u.tls ?
	    host : "", es ? "/" : oc->u.path);
	memset(&q, 0, sizeof(q));
	q.method = es ? "GET" : "POST";
	q.host = host;
	q.path = target;
	q.content_type = es ? NULL : format_of(oc)->content_type;
	q.authorization = output_auth_authz(a);
	if (oc->proxy_on && !oc->u.tls)
		q.proxy_authorization = output_auth_proxy(a);
	q.headers = output_auth_headers(a, &q.nheaders);
	q.content_length = strlen(body);
	snprintf(p->req, sizeof(p->req), "%s %s (%s)", q.method, target,
	    *body ? body : "empty body");
	return http_request_head(&q, buf, len);
}

/* The TLS configurations, as the output makes them; a file that cannot
 * be read was logged by tls.c. */
static int
probe_tls(struct probe *p, struct tls_conf **tc, struct tls_conf **pc)
{
	const struct config_output	*oc = p->oc;

	if (oc->proxy_on && oc->pu.tls) {
		*pc = tls_conf_proxy(oc);
		if (*pc == NULL) {
			say(p, "proxy-tls", oc->proxy_tls_ca_file,
			    "the proxy's CA file cannot be used (the error "
			    "on stderr says why)");
			return -1;
		}
	}
	if (oc->u.tls) {
		*tc = tls_conf_new(oc);
		if (*tc == NULL) {
			say(p, "tls", "tls.ca_file, tls.cert_file, "
			    "tls.key_file", "the TLS files cannot be used (the "
			    "error on stderr says why)");
			return -1;
		}
	}
	return 0;
}

/* Runs the request through conn.c on a loop of its own, to its end. */
static void
probe_send(struct probe *p, struct tls_conf *tc, struct tls_conf *pc,
    struct output_auth *a)
{
	char		 head[PROBE_HEAD];
	const char	*body = probe_body(p->oc);
	size_t		 headlen;

	headlen = probe_head(p, a, body, head, sizeof(head));
	p->c = conn_new(p->lp, p->oc, PROBE_REPLY, on_done, p);
	if (headlen == 0 || p->c == NULL) {
		say(p, "request", p->req, headlen == 0 ? "the request head is "
		    "too long (headers.*)" : "out of memory");
		return;
	}
	conn_trace(p->c, on_step, p);
	conn_proxy_auth(p->c, output_auth_proxy(a));
	conn_proxy_tls(p->c, pc);
	lap(p);
	if (conn_request(p->c, tc, head, headlen, body, strlen(body)) == -1)
		say(p, "request", p->req, "out of memory");
	else if (!p->done)	/* it may have failed at once */
		loop_run(p->lp);
	explicit_bzero(head, sizeof(head));	/* it holds the credentials */
}

int
probe_main(const struct config *cfg, FILE *out)
{
	struct probe		 p = { .oc = &cfg->output, .out = out };
	struct tls_conf		*tc = NULL, *pc = NULL;
	struct output_auth	*a = NULL;

	if (!cfg->output.enabled) {
		fprintf(out, "probe: %s has no [output] section: nothing to "
		    "probe\n", cfg->path);
		return 1;
	}
	lap(&p);
	fprintf(out, "%-9s %s\n", "proxy", cfg->output.proxy_why);
	p.lp = loop_new();
	a = output_auth_new(p.oc);
	if (p.lp == NULL || a == NULL)
		say(&p, "setup", "", "out of memory");
	else if (probe_tls(&p, &tc, &pc) == 0) {
		output_auth_refresh(a, 0);
		probe_send(&p, tc, pc, a);
	}
	conn_free(p.c);
	tls_conf_free(tc);
	tls_conf_free(pc);
	output_auth_free(a);
	loop_free(p.lp);
	if (p.failed != NULL) {
		fprintf(out, "probe: FAILED at %s: %s\n", p.failed, p.why);
		return 1;
	}
	fprintf(out, "probe: records would be accepted\n");
	return 0;
}
