/*
 * cfgp.c: the state of one config_load() that config.c and
 * config_check.c share: the arena every value of the config lives in
 * (freed whole by config_free), the messages (kept, then printed in the
 * file's line order as "FILE:LINE: [section] key: what"), the keys
 * already given (for duplicates and cross-checks), and the two checks
 * every checking file makes and reports the same way: a regex that
 * compiles, a file that can be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <regex.h>

#include "config_int.h"

/* --- memory: everything a config holds is freed together ------------ */

struct chunk {
	struct chunk	*next;
	max_align_t	 data[];
};

void *
cfgp_alloc(struct cfgp *p, size_t n)
{
	struct chunk	*c;

	c = calloc(1, sizeof(*c) + n);
	if (c == NULL) {
		cfgp_error(p, 0, NULL, NULL, "out of memory");
		return NULL;
	}
	c->next = p->impl->chunks;
	p->impl->chunks = c;
	return c->data;
}

void
cfgp_free_chunks(struct chunk *c)
{
	struct chunk	*next;

	for (; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
}

char *
cfgp_strdup(struct cfgp *p, const char *s)
{
	size_t	 n = strlen(s) + 1;
	char	*d;

	d = cfgp_alloc(p, n);
	if (d != NULL)
		memcpy(d, s, n);
	return d;
}


/* --- diagnostics ------------------------------------------------------ */

/*
 * Messages are kept and printed sorted by line when the load ends: inih
 * reports a syntax error only after the whole file, and cross-checks run
 * last, yet a reader wants the file's order.  File-wide messages (line 0)
 * come last.
 */
static void	vreport(struct cfgp *, const char *, int, const char *,
		    const char *, const char *, va_list)
		    __attribute__((format(printf, 6, 0)));

static void
vreport(struct cfgp *p, const char *kind, int line, const char *section,
    const char *key, const char *fmt, va_list ap)
{
	struct cfgp_msg	*m;
	char		 where[200] = "", what[360];

	if (p->nmsgs == CFGP_MAX_MSGS)
		return;
	if (section != NULL && key != NULL)
		snprintf(where, sizeof(where), "[%.60s] %.120s: ", section, key);
	else if (section != NULL)
		snprintf(where, sizeof(where), "[%.60s]: ", section);
	else if (key != NULL)
		snprintf(where, sizeof(where), "%.120s: ", key);
	vsnprintf(what, sizeof(what), fmt, ap);
	m = &p->msgs[p->nmsgs++];
	m->line = line > 0 ? line : INT_MAX;
	m->seq = p->nmsgs;
	m->expect = kind == NULL;
	if (kind == NULL)
		kind = "";
	if (line > 0)
		snprintf(m->text, sizeof(m->text), "%s:%d: %s%s%s", p->path,
		    line, kind, where, what);
	else
		snprintf(m->text, sizeof(m->text), "%s: %s%s%s", p->path, kind,
		    where, what);
}

static int
msg_order(const void *a, const void *b)
{
	const struct cfgp_msg	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Errors and warnings go to diag; expectations (offline) into the
 * config, for check to print after its verdict. */
void
cfgp_flush(struct cfgp *p)
{
	const char	**e;
	int		  i, n = 0;

	qsort(p->msgs, (size_t)p->nmsgs, sizeof(p->msgs[0]), msg_order);
	for (i = 0; i < p->nmsgs; i++)
		if (!p->msgs[i].expect)
			fprintf(p->diag, "%s\n", p->msgs[i].text);
	if (p->nerrors > CFGP_MAX_ERRORS)
		fprintf(p->diag, "%s: too many errors, the first %d shown\n",
		    p->path, CFGP_MAX_ERRORS);
	e = cfgp_alloc(p, sizeof(*e) * (size_t)(p->nmsgs + 1));
	for (i = 0; e != NULL && i < p->nmsgs; i++)
		if (p->msgs[i].expect)
			e[n++] = cfgp_strdup(p, p->msgs[i].text);
	p->cfg->expects = e;
	p->cfg->nexpects = n;
}

/* The ${VAR}s left unset in a key's value (offline), or NULL. */
static const char *
unset_in(const struct cfgp *p, const char *section, const char *key)
{
	int	 i;

	if (!p->offline || section == NULL || key == NULL)
		return NULL;
	for (i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i].section, section) == 0 &&
		    strcmp(p->seen[i].key, key) == 0)
			return *p->seen[i].unset != '\0' ? p->seen[i].unset :
			    NULL;
	return NULL;
}

/*
 * Offline, a value that holds an unset ${VAR} cannot be judged: what is
 * wrong with it is said as an expectation on the pod, not an error.
 */
void
cfgp_error(struct cfgp *p, int line, const char *section, const char *key,
    const char *fmt, ...)
{
	va_list		 ap;
	const char	*unset = unset_in(p, section, key);
	char		 what[360];

	va_start(ap, fmt);
	if (unset != NULL) {
		vsnprintf(what, sizeof(what), fmt, ap);
		cfgp_expect(p, line, section, key, "checked only where %s "
		    "is set (without it: %s)", unset, what);
	} else if (++p->nerrors <= CFGP_MAX_ERRORS)
		vreport(p, "", line, section, key, fmt, ap);
	va_end(ap);
}

void
cfgp_warn(struct cfgp *p, int line, const char *section, const char *key,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vreport(p, "warning: ", line, section, key, fmt, ap);
	va_end(ap);
}

/* check --offline: something the pod must provide. */
void
cfgp_expect(struct cfgp *p, int line, const char *section, const char *key,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vreport(p, NULL, line, section, key, fmt, ap);
	va_end(ap);
}

/* --- the keys already given, for duplicates and cross-checks --------- */

int
cfgp_line(const struct cfgp *p, const char *section, const char *key)
{
	int	 i;

	for (i = 0; i < p->nseen; i++)
		if (strcmp(p->seen[i].section, section) == 0 &&
		    strcmp(p->seen[i].key, key) == 0)
			return p->seen[i].line;
	return 0;
}

/* The line of a key, else of its section, else 0 (the file as a whole). */
int
cfgp_line_of(const struct cfgp *p, const char *section, const char *key)
{
	int	 line = cfgp_line(p, section, key);

	return line != 0 ? line : cfgp_line(p, section, "");
}

/* Records section/key at line; 0 if new, else the line it was first at. */
int
cfgp_remember(struct cfgp *p, const char *section, const char *key, int line)
{
	struct cfgp_seen	*s;
	int			 first;

	first = cfgp_line(p, section, key);
	if (first != 0)
		return first;
	if (p->nseen == p->seencap) {
		int cap = p->seencap ? p->seencap * 2 : 64;

		s = reallocarray(p->seen, (size_t)cap, sizeof(*s));
		if (s == NULL)
			return 0;
		p->seen = s;
		p->seencap = cap;
	}
	s = &p->seen[p->nseen++];
	snprintf(s->section, sizeof(s->section), "%s", section);
	snprintf(s->key, sizeof(s->key), "%s", key);
	s->line = line;
	s->unset[0] = '\0';
	return 0;
}

/* A key's regex compiles; -1, said, if not.  nsub: its groups (or
 * NULL). */
int
cfgp_check_regex(struct cfgp *p, const char *sec, const char *key,
    const char *re, size_t *nsub)
{
	regex_t	 rx;
	char	 msg[128];
	int	 rc;

	rc = regcomp(&rx, re, REG_EXTENDED | (nsub == NULL ? REG_NOSUB : 0));
	if (rc != 0) {
		regerror(rc, &rx, msg, sizeof(msg));
		cfgp_error(p, cfgp_line_of(p, sec, key), sec, key,
		    "bad regular expression: %s", msg);
		return -1;
	}
	if (nsub != NULL)
		*nsub = rx.re_nsub;
	regfree(&rx);
	return 0;
}

/* A file sidelog must be able to read at start (a Secret, a
 * certificate): a typo in its path fails now, not at first use.
 * Offline, it is one the pod mounts. */
void
cfgp_check_readable(struct cfgp *p, const char *sec, const char *key,
    const char *path)
{
	int	 fd;

	if (p->offline) {
		cfgp_expect(p, cfgp_line_of(p, sec, key), sec, key,
		    "a file the pod mounts: %s", path);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		cfgp_error(p, cfgp_line_of(p, sec, key), sec, key,
		    "cannot read \"%s\": %s", path, strerror(errno));
	else
		close(fd);
}
