/*
 * record.c: records as JSON, always valid whatever the bytes.
 *
 * record_tpl_new() turns an input's keys into a tree (dots make objects,
 * first appearance fixes the order, a field replaces a metadata value of
 * the same name) and flattens it into static JSON text cut by slots for
 * the values that change per record.  Encoding a line is then copying
 * the static text and escaping its message and path once each.
 *
 * Escaping repairs UTF-8 as it goes: each maximal invalid subpart
 * becomes one U+FFFD (Unicode's recommended practice), control bytes
 * and DEL are escaped, a NUL is \u0000 and ends nothing.
 *
 * Parsed fields (parse.c: a JSON line's members, or logfmt's, or a
 * regex's groups) are added at the top level of the record; their
 * time_key and message_key members (strings) take the place of the read
 * time and of the line, and time.key's time comes before both; members
 * named like a top-level key of sidelog's are dropped, since the
 * application must not be able to spoof kubernetes.* or log.file.path;
 * a repeated member keeps its first value.  level.key's severity is
 * log.level, written only when the record has one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "json.h"
#include "parse.h"
#include "record.h"

#define RECORD_MAX_KEYS		(2 * CONFIG_MAX_PAIRS + 16)
#define RECORD_SLOT_BOUND	512	/* time, offset, id, stream */

enum slot {
	SLOT_NONE,
	SLOT_TIME,
	SLOT_MESSAGE,
	SLOT_PATH,
	SLOT_OFFSET,
	SLOT_ID,
	SLOT_STREAM,		/* writes its own ",\"stream\":" or nothing */
	SLOT_LEVEL,		/* writes its own [,]"level": or nothing */
};

/* The key tree while a template is built. */
struct node {
	char		*name;
	enum slot	 slot;
	char		*value;		/* static string value, or NULL */
	struct node	*child, *next;	/* an object has children */
	int		 object;
};

struct seg {
	size_t		 off, len;	/* static text before the slot */
	enum slot	 slot;
	int		 lead;		/* SLOT_LEVEL: after a sibling */
};

struct record_tpl {
	char		*text;
	size_t		 textlen, textcap;
	struct seg	*segs;
	int		 nsegs, capsegs;
	char		**top;		/* top-level names of sidelog's */
	int		 ntop;
};

/* --- escaping ------------------------------------------------------------- */

/* v in decimal at out (at most 20 bytes); its length. */
size_t
record_u64(char *out, uint64_t v)
{
	char	 tmp[20];
	size_t	 n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* 0: copy as is; 1: needs an escape; 2: starts a multi-byte sequence. */
static const unsigned char cls[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static size_t
escape_ctl(char *out, unsigned char c)
{
	static const char	 hex[] = "0123456789abcdef";

	out[0] = '\\';
	switch (c) {
	case '"':
	case '\\':
		out[1] = (char)c;
		return 2;
	case '\n':
		out[1] = 'n';
		return 2;
	case '\r':
		out[1] = 'r';
		return 2;
	case '\t':
		out[1] = 't';
		return 2;
	case '\b':
		out[1] = 'b';
		return 2;
	case '\f':
		out[1] = 'f';
		return 2;
	}
	memcpy(out + 1, "u00", 3);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 15];
	return 6;
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Whether none of the 8 bytes at p needs escaping (cls 0): none below
 * 0x20, none from 0x80, no '"', '\\' or DEL.  Each test is exact as a
 * whole (a byte's borrow may only spill into bytes above a hit). */
static int
plain8(const unsigned char *p)
{
	uint64_t	 x, q, b, d;

	memcpy(&x, p, 8);
	q = x ^ (ONES * '"');
	b = x ^ (ONES * '\\');
	d = x ^ (ONES * 0x7f);
	return (((x - ONES * 0x20) | x | ((q - ONES) & ~q) |
	    ((b - ONES) & ~b) | ((d - ONES) & ~d)) & HIGHS) == 0;
}

size_t
record_escape(char *out, const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s, *end = p + len;
	const unsigned char	*run;
	char			*o = out;
	size_t			 n;

	while (p < end) {
		/* Eight bytes a step through plain text, which most is. */
		for (run = p; end - p >= 8 && plain8(p); p += 8)
			;
		for (; p < end && cls[*p] == 0; p++)
			;
		memcpy(o, run, (size_t)(p - run));
		o += p - run;
		if (p == end)
			break;
		if (cls[*p] == 1) {
			o += escape_ctl(o, *p++);
			continue;
		}
		n = json_utf8_len(p, (size_t)(end - p));
		if (n > 0) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p += json_utf8_bad(p, (size_t)(end - p));
		}
	}
	return (size_t)(o - out);
}

void
record_time(const struct timespec *ts, char out[RECORD_TIME_LEN + 1])
{
	static __thread time_t	 last = -1;
	static __thread char	 prefix[24];
	struct tm		 tm;
	long			 us = ts->tv_nsec / 1000;
	int			 i;

	if (ts->tv_sec != last) {
		gmtime_r(&ts->tv_sec, &tm);
		strftime(prefix, sizeof(prefix), "%Y-%m-%dT%H:%M:%S.", &tm);
		last = ts->tv_sec;
	}
	memcpy(out, prefix, 20);
	for (i = 25; i >= 20; i--, us /= 10)
		out[i] = (char)('0' + us % 10);
	out[26] = 'Z';
	out[27] = '\0';
}

/* --- building a template ------------------------------------------------- */

static struct node *
node_new(const char *name, size_t len)
{
	struct node	*n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->name = strndup(name, len);
	if (n->name == NULL) {
		free(n);
		return NULL;
	}
	return n;
}

static void
node_free(struct node *n)
{
	struct node	*next;

	for (; n != NULL; n = next) {
		next = n->next;
		node_free(n->child);
		free(n->name);
		free(n->value);
		free(n);
	}
}

/* The child of parent named name[0, len), made if missing. */
static struct node *
child(struct node *parent, const char *name, size_t len, int *made)
{
	struct node	*c, **pp;

	*made = 0;
	for (pp = &parent->child; *pp != NULL; pp = &(*pp)->next)
		if (strlen((*pp)->name) == len &&
		    memcmp((*pp)->name, name, len) == 0)
			return *pp;
	c = node_new(name, len);
	if (c != NULL) {
		*pp = c;
		*made = 1;
	}
	return c;
}

/* Puts a leaf at a dotted key; an existing leaf gets the new value. */
static int
insert(struct node *root, const char *key, enum slot slot,
    const char *value)
{
	struct node	*n = root;
	const char	*dot;
	int		 made;

	for (;;) {
		dot = strchr(key, '.');
		n = child(n, key, dot ? (size_t)(dot - key) : strlen(key),
		    &made);
		if (n == NULL)
			return -1;
		if (dot == NULL)
			break;
		n->object = 1;
		key = dot + 1;
	}
	n->slot = slot;
	free(n->value);
	n->value = value != NULL ? strdup(value) : NULL;
	return value != NULL && n->value == NULL ? -1 : 0;
}

static void
unlink_leaf(struct node *root, const char *key)
{
	struct node	**pp = &root->child, *n;
	const char	 *dot;
	size_t		  len;

	for (;;) {
		dot = strchr(key, '.');
		len = dot ? (size_t)(dot - key) : strlen(key);
		for (; *pp != NULL; pp = &(*pp)->next)
			if (strlen((*pp)->name) == len &&
			    memcmp((*pp)->name, key, len) == 0)
				break;
		if (*pp == NULL)
			return;
		if (dot == NULL)
			break;
		pp = &(*pp)->child;
		key = dot + 1;
	}
	n = *pp;
	*pp = n->next;
	n->next = NULL;
	node_free(n);
}

/* kubernetes.labels.NAME: a label's own dots (app.kubernetes.io/name)
 * are part of its name, not nesting. */
static int
insert_label(struct node *root, const char *name, const char *value)
{
	struct node	*n;
	int		 made;

	n = child(root, "kubernetes", 10, &made);
	if (n == NULL)
		return -1;
	n->object = 1;
	n = child(n, "labels", 6, &made);
	if (n == NULL)
		return -1;
	n->object = 1;
	n = child(n, name, strlen(name), &made);
	if (n == NULL)
		return -1;
	free(n->value);
	n->value = strdup(value);
	return n->value == NULL ? -1 : 0;
}

static int
build_tree(struct node *root, const struct config *cfg,
    const struct config_input *in, const struct config_pair *labels,
    int nlabels, int context)
{
	const struct config_output	*o = &cfg->output;
	int				 i, rc = 0;

	rc |= insert(root, o->time_key, SLOT_TIME, NULL);
	rc |= insert(root, o->message_key, SLOT_MESSAGE, NULL);
	if (*o->file_key != '\0')
		rc |= insert(root, o->file_key, SLOT_PATH, NULL);
	if (*o->offset_key != '\0')
		rc |= insert(root, o->offset_key, SLOT_OFFSET, NULL);
	if (*o->id_key != '\0')
		rc |= insert(root, o->id_key, SLOT_ID, NULL);
	if (in->parse == PARSE_CRI)
		rc |= insert(root, "stream", SLOT_STREAM, NULL);
	if (in->level_key != NULL)
		rc |= insert(root, "log.level", SLOT_LEVEL, NULL);
	for (i = 0; context && i < cfg->nmetadata; i++)
		if (*cfg->metadata[i].value != '\0')
			rc |= insert(root, cfg->metadata[i].key, SLOT_NONE,
			    cfg->metadata[i].value);
	for (i = 0; i < nlabels; i++)
		rc |= insert_label(root, labels[i].key, labels[i].value);
	for (i = 0; i < in->nfields; i++) {
		if (*in->fields[i].value == '\0')
			unlink_leaf(root, in->fields[i].key);
		else
			rc |= insert(root, in->fields[i].key, SLOT_NONE,
			    in->fields[i].value);
	}
	return rc;
}

/* --- flattening ------------------------------------------------------------ */

static int
text(struct record_tpl *t, const char *s, size_t len)
{
	char	*p;
	size_t	 cap;

	if (t->textlen + len > t->textcap) {
		cap = (t->textlen + len) * 2 + 256;
		p = realloc(t->text, cap);
		if (p == NULL)
			return -1;
		t->text = p;
		t->textcap = cap;
	}
	memcpy(t->text + t->textlen, s, len);
	t->textlen += len;
	return 0;
}

/* A JSON string of s: escaped, quoted. */
static int
text_string(struct record_tpl *t, const char *s)
{
	char	*buf;
	size_t	 len = strlen(s);
	int	 rc;

	buf = malloc(len * 6 + 2);
	if (buf == NULL)
		return -1;
	buf[0] = '"';
	len = record_escape(buf + 1, s, len) + 1;
	buf[len++] = '"';
	rc = text(t, buf, len);
	free(buf);
	return rc;
}

/* Ends the static text before a slot (or the end, SLOT_NONE). */
static int
cut(struct record_tpl *t, enum slot slot)
{
	struct seg	*s;
	size_t		 start;
	int		 cap;

	start = t->nsegs ? t->segs[t->nsegs - 1].off +
	    t->segs[t->nsegs - 1].len : 0;
	if (t->nsegs == t->capsegs) {
		cap = t->capsegs ? t->capsegs * 2 : 16;
		s = reallocarray(t->segs, (size_t)cap, sizeof(*s));
		if (s == NULL)
			return -1;
		t->segs = s;
		t->capsegs = cap;
	}
	t->segs[t->nsegs++] = (struct seg){ start, t->textlen - start, slot,
	    0 };
	return 0;
}

/*
 * The members that may be missing (stream, log.level) write their own
 * name and comma: stream is never first (the time is), log.level comes
 * last in its object and knows whether a sibling is before it.
 */
static int
flatten(struct record_tpl *t, const struct node *obj)
{
	const struct node	*n, *level = NULL;
	int			 first = 1, rc = text(t, "{", 1);

	for (n = obj->child; n != NULL && rc == 0; n = n->next) {
		if (n->slot == SLOT_STREAM) {
			rc = cut(t, SLOT_STREAM);
			continue;
		}
		if (n->slot == SLOT_LEVEL && !n->object) {
			level = n;
			continue;
		}
		if (!first)
			rc |= text(t, ",", 1);
		first = 0;
		rc |= text_string(t, n->name);
		rc |= text(t, ":", 1);
		if (n->object)
			rc |= flatten(t, n);
		else if (n->slot != SLOT_NONE)
			rc |= cut(t, n->slot);
		else
			rc |= text_string(t, n->value);
	}
	if (level != NULL && rc == 0) {
		rc = cut(t, SLOT_LEVEL);
		if (rc == 0)
			t->segs[t->nsegs - 1].lead = !first;
	}
	return rc | text(t, "}", 1);
}

static int
by_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the top-level object, which a JSON line may not set;
 * sorted, to be merged with the line's members sorted by name. */
static int
top_names(struct record_tpl *t, const struct node *root)
{
	const struct node	*n;
	int			 i = 0;

	for (n = root->child; n != NULL; n = n->next)
		t->ntop++;
	t->top = calloc((size_t)t->ntop + 1, sizeof(*t->top));
	if (t->top == NULL)
		return -1;
	for (n = root->child; n != NULL; n = n->next) {
		t->top[i] = strdup(n->name);
		if (t->top[i++] == NULL)
			return -1;
	}
	qsort(t->top, (size_t)t->ntop, sizeof(*t->top), by_strcmp);
	return 0;
}

static struct record_tpl *
tpl_new(const struct config *cfg, const struct config_input *in,
    const struct config_pair *labels, int nlabels, int context)
{
	struct record_tpl	*t;
	struct node		 root;
	int			 rc;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	memset(&root, 0, sizeof(root));
	root.object = 1;
	rc = build_tree(&root, cfg, in, labels, nlabels, context);
	if (rc == 0)
		rc = flatten(t, &root);
	if (rc == 0)
		rc = cut(t, SLOT_NONE);
	if (rc == 0)
		rc = top_names(t, &root);
	node_free(root.child);
	if (rc != 0) {
		record_tpl_free(t);
		return NULL;
	}
	return t;
}

struct record_tpl *
record_tpl_new(const struct config *cfg, const struct config_input *in,
    const struct config_pair *labels, int nlabels)
{
	return tpl_new(cfg, in, labels, nlabels, 1);
}

/* The record without [metadata] and labels, for a format that carries
 * them once a request (OTLP's resource). */
struct record_tpl *
record_tpl_local(const struct config *cfg, const struct config_input *in)
{
	return tpl_new(cfg, in, NULL, 0, 0);
}

void
record_tpl_free(struct record_tpl *t)
{
	int	 i;

	if (t == NULL)
		return;
	for (i = 0; t->top != NULL && i < t->ntop; i++)
		free(t->top[i]);
	free(t->top);
	free(t->text);
	free(t->segs);
	free(t);
}

/* --- encoding -------------------------------------------------------------- */

/* Escaping is at most six bytes for one; parsed fields are copied as
 * their JSON text is, and an unknown level as it was written. */
size_t
record_max(const struct record_tpl *t, const struct record_vals *v)
{
	size_t	 n = t->textlen + 6 * v->line->len + 6 * v->pathlen +
	    RECORD_SLOT_BOUND;

	if (v->parsed != NULL)
		n += v->parsed->textlen + v->parsed->levellen;
	return n;
}

static char *
quoted(char *o, const char *s, size_t len)
{
	*o++ = '"';
	o += record_escape(o, s, len);
	*o++ = '"';
	return o;
}

static char *
slot_time(char *o, const struct record_vals *v)
{
	const struct parsed	*p = v->parsed;
	const struct line_rec	*l = v->line;

	if (p != NULL && p->time != NULL) {
		memcpy(o, p->time, p->timelen);
		return o + p->timelen;
	}
	if (p != NULL && p->obj.time != NULL) {
		memcpy(o, p->obj.time, p->obj.timelen);
		return o + p->obj.timelen;
	}
	if (l->time != NULL)
		return quoted(o, l->time, l->timelen < 64 ? l->timelen : 64);
	return quoted(o, v->time, RECORD_TIME_LEN);
}

static char *
slot(char *o, const struct seg *sg, const struct record_vals *v)
{
	const struct parsed	*p = v->parsed;
	const struct line_rec	*l = v->line;
	size_t			 n;

	switch (sg->slot) {
	case SLOT_TIME:
		return slot_time(o, v);
	case SLOT_MESSAGE:
		if (p != NULL && p->obj.msg != NULL) {
			memcpy(o, p->obj.msg, p->obj.msglen);
			return o + p->obj.msglen;
		}
		return quoted(o, l->msg, l->len);
	case SLOT_PATH:
		return quoted(o, v->path, v->pathlen);
	case SLOT_OFFSET:
		return o + record_u64(o, l->off);
	case SLOT_ID:
		if (v->id == NULL) {
			memcpy(o, "null", 4);
			return o + 4;
		}
		/* Hex digits, HASH_ID_LEN of them (fewer in unit tests):
		 * nothing to escape, and no end sought past them. */
		n = strnlen(v->id, HASH_ID_LEN);
		*o++ = '"';
		memcpy(o, v->id, n);
		o[n] = '"';
		return o + n + 1;
	case SLOT_STREAM:
		if (l->stream == LINE_STREAM_NONE)
			return o;
		memcpy(o, l->stream == LINE_STREAM_STDOUT ?
		    ",\"stream\":\"stdout\"" : ",\"stream\":\"stderr\"", 18);
		return o + 18;
	case SLOT_LEVEL:
		if (p == NULL || p->level == NULL)
			return o;
		if (sg->lead)
			*o++ = ',';
		memcpy(o, "\"level\":", 8);
		memcpy(o + 8, p->level, p->levellen);
		return o + 8 + p->levellen;
	case SLOT_NONE:
		break;
	}
	return o;
}

/* Members named like a top-level key of sidelog's are dropped: both
 * lists are sorted by name, one merge finds them.  skip starts as the
 * members' own marks (time, message, repeats). */
static void
drop_ours(const struct record_tpl *t, const struct json_obj *j,
    unsigned char *skip)
{
	int	 i = 0, k = 0, c;

	for (i = 0; i < j->n; i++)
		skip[i] = (unsigned char)j->members[i].skip;
	i = 0;
	while (i < j->n && k < t->ntop) {
		c = strcmp(j->members[j->byname[i]].key, t->top[k]);
		if (c > 0)
			k++;
		else {
			if (c == 0)
				skip[j->byname[i]] = 1;
			i++;
		}
	}
}

/*
 * Whether member i's text runs on into member i+1's as `"a":1,"b":2`,
 * which logfmt's always does and a compact JSON line's too: then a run
 * of kept members is one copy.
 */
static int
joined(const struct json_obj *j, int i)
{
	const struct json_member *m = &j->members[i], *n = m + 1;

	return i + 1 < j->n && n->value == n->name + n->namelen + 2 &&
	    m->value + m->valuelen + 2 == n->name &&
	    m->value[m->valuelen] == ',';
}

/* The application's members that sidelog has no key of its own for. */
static char *
extras(char *o, const struct json_obj *j, const unsigned char *skip)
{
	const char	*from;
	int		 i;

	for (i = 0; i < j->n; i++) {
		const struct json_member *m = &j->members[i];

		if (skip[i])
			continue;
		*o++ = ',';
		if (m->value != m->name + m->namelen + 2) {
			memcpy(o, m->name - 1, m->namelen + 2);	/* quoted */
			o += m->namelen + 2;
			*o++ = ':';
			memcpy(o, m->value, m->valuelen);
			o += m->valuelen;
			continue;
		}
		for (from = m->name - 1; joined(j, i) && !skip[i + 1]; i++)
			;
		memcpy(o, from, (size_t)(j->members[i].value +
		    j->members[i].valuelen - from));
		o += j->members[i].value + j->members[i].valuelen - from;
	}
	return o;
}

size_t
record_encode(const struct record_tpl *t, const struct record_vals *v,
    char *out)
{
	const struct json_obj	*j = NULL;
	unsigned char		 skip[JSON_MAX_MEMBERS];
	char			*o = out;
	int			 i;

	if (v->parsed != NULL) {
		j = &v->parsed->obj;
		drop_ours(t, j, skip);
	}
	for (i = 0; i < t->nsegs; i++) {
		const struct seg *s = &t->segs[i];

		if (s->slot == SLOT_NONE && i == t->nsegs - 1 && j != NULL) {
			/* Before the closing brace: the line's own members. */
			memcpy(o, t->text + s->off, s->len - 1);
			o = extras(o + s->len - 1, j, skip);
			*o++ = '}';
			break;
		}
		memcpy(o, t->text + s->off, s->len);
		o = slot(o + s->len, s, v);
	}
	*o++ = '\n';
	return (size_t)(o - out);
}
