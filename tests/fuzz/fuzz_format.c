/*
 * fuzz_format.c: one log line, any bytes, as a plain message, a JSON
 * line (parse = json, its members merged) or a logfmt line with a time
 * and a level (parse = logfmt, time.key, level.key), made into a record by each
 * format that builds its records (otlp, loki, splunk_hec); the first
 * byte picks the format, the second the parse mode and, for Loki, the
 * label key a JSON line may set.  Each record must be valid JSON, and a
 * Loki batch of the line twice, grouped, too, never longer than the
 * records it groups.  The records are made within made_max()'s bound
 * of their JSON (output.c), so the memory ceiling holds.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "format.h"
#include "fuzz.h"
#include "json.h"
#include "line.h"
#include "parse.h"
#include "record.h"

#define FORMATS	3
#define MODES	3

static const char *const out[FORMATS] = {
	"[output]\nurl = https://h/v1/logs\nformat = otlp\nid_key = log.id\n",
	"[output]\nurl = https://h/loki/api/v1/push\nformat = loki\n"
	    "loki.labels = kubernetes.namespace,level,a.b\n",
	"[output]\nurl = https://h/services/collector/event\n"
	    "format = splunk_hec\nhec.index = main\n",
};

static const char in[] =
    "[input.plain]\npaths = /logs/*.log\nfields.team = \"a\\\"b\"\n"
    "[input.json]\npaths = /logs/*.json\nparse = json\n"
    "fields.env = prod\n"
    "[input.logfmt]\npaths = /logs/*.lf\nparse = logfmt\ntime.key = ts\n"
    "level.key = level\n"
    "[metadata]\nkubernetes.pod.name = web-0\nkubernetes.namespace = ns\n";

static struct {
	struct config		*cfg;
	const struct format_ops	*f;
	void			*st;
	struct batch_frame	 fr;
	struct record_tpl	*tpl[MODES];
	struct parser		*parser[MODES];
} fx[FORMATS];

static struct parsed		 parsed;

static struct format_buf	 json, rec;

/* One JSON value, however many values it holds: a record may hold a
 * line's JSON_MAX_TOKENS and its own besides. */
static int
one_value(const char *p, size_t len)
{
	struct json_cur	 c;

	json_cur_init(&c, p, len, INT_MAX);
	return json_skip(&c) == 0 && json_done(&c);
}

static void
setup(void)
{
	char	 text[1024];
	int	 i, m;

	for (i = 0; i < FORMATS; i++) {
		snprintf(text, sizeof(text), "%s%s", in, out[i]);
		fx[i].cfg = fuzz_config(text);
		fx[i].f = format_of(&fx[i].cfg->output);
		fx[i].st = fx[i].f->open(fx[i].cfg, NULL, &fx[i].fr);
		FUZZ_CHECK(fx[i].st != NULL);
		for (m = 0; m < MODES; m++) {
			fx[i].tpl[m] = fx[i].f->context_apart ?
			    record_tpl_local(fx[i].cfg, &fx[i].cfg->inputs[m]) :
			    record_tpl_new(fx[i].cfg, &fx[i].cfg->inputs[m],
			    NULL, 0);
			FUZZ_CHECK(fx[i].tpl[m] != NULL);
			if (fx[i].cfg->inputs[m].parse == PARSE_NONE)
				continue;
			fx[i].parser[m] = parser_new(fx[i].cfg,
			    &fx[i].cfg->inputs[m]);
			FUZZ_CHECK(fx[i].parser[m] != NULL);
		}
	}
}

/* Two copies of the record, framed, grouped as Loki's batches are. */
static void
check_group(int i)
{
	const struct batch_frame	*f = &fx[i].fr;
	size_t				 len = f->headlen, n;
	uint32_t			 ends[2];
	char				*raw, *sent;
	ssize_t				 g;
	int				 k;

	n = f->headlen + 2 * rec.len + f->seplen + f->taillen;
	raw = malloc(n);
	sent = malloc(n);
	FUZZ_CHECK(raw != NULL && sent != NULL);
	memcpy(raw, f->head, f->headlen);
	for (k = 0; k < 2; k++) {
		if (k > 0) {
			memcpy(raw + len, f->sep, f->seplen);
			len += f->seplen;
		}
		memcpy(raw + len, rec.p, rec.len);
		len += rec.len;
		ends[k] = (uint32_t)len;
	}
	memcpy(raw + len, f->tail, f->taillen);
	len += f->taillen;
	g = f->group(raw, ends, 2, f, sent);
	FUZZ_CHECK(g > 0 && (size_t)g <= len);
	FUZZ_CHECK(one_value(sent, (size_t)g));
	free(raw);
	free(sent);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_rec		 l;
	struct record_vals	 v;
	struct format_in	 fin;
	int			 i, m, errors = 0;

	if (fx[0].cfg == NULL)
		setup();
	if (size < 2)
		return 0;
	i = data[0] % FORMATS;
	m = data[1] % MODES;
	memset(&l, 0, sizeof(l));
	l.msg = (const char *)data + 2;
	l.len = size - 2;
	l.off = 7;
	l.end = 7 + size;
	l.stream = LINE_STREAM_NONE;
	v = (struct record_vals){ &l, "/logs/app.log", 13,
	    "2026-11-30T08:00:00.123456Z", "0123456789abcdef0123456789abcdef" };
	if (fx[i].parser[m] != NULL && parser_run(fx[i].parser[m], l.msg,
	    l.len, &parsed, &errors))
		v.parsed = &parsed;
	fin = (struct format_in){ fx[i].st, &fx[i].cfg->output, fx[i].tpl[m],
	    &v, &json };
	rec.len = 0;
	FUZZ_CHECK(fx[i].f->make(&fin, &rec) == 0);
	FUZZ_CHECK(one_value(rec.p, rec.len));
	FUZZ_CHECK(rec.len <= 2 * json.cap + (JSON_MAX_TOKENS + 1000) * 400);
	if (fx[i].fr.group != NULL)
		check_group(i);
	return 0;
}
