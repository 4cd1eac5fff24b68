/*
 * fuzz_record.c: any bytes a log file can hold, cut into lines and
 * encoded, under each parse mode (none, json, cri, logfmt, regex, the
 * last two with time.key and level.key) and a small max_line_bytes so
 * that long lines are cut too; the first byte picks the mode.  Every record must be one line of valid JSON within
 * record_max(), and the lines must cover the bytes in order.
 */
#include <stdlib.h>

#include "config.h"
#include "fuzz.h"
#include "line.h"
#include "parse.h"
#include "record.h"

#define MODES	5

static const char base[] =
    "[input.plain]\npaths = /logs/*.log\nmax_line_bytes = 300\n"
    "fields.team = \"a\\\"b\"\nfields.app.tier = web\n"
    "[input.json]\npaths = /logs/*.json\nparse = json\n"
    "max_line_bytes = 300\nfields.env = prod\n"
    "[input.cri]\npaths = /logs/*.cri\nparse = cri\n"
    "max_line_bytes = 300\n"
    "[input.logfmt]\npaths = /logs/*.lf\nparse = logfmt\n"
    "max_line_bytes = 300\ntime.key = ts\nlevel.key = level\n"
    "[input.regex]\npaths = /logs/*.re\nparse = regex\n"
    "max_line_bytes = 300\nparse.regex = ^(([^ ]*) )?([^ ]*) *(.*)$\n"
    "parse.fields = pre, ts, level, message\ntime.key = ts\n"
    "level.key = level\n"
    "[metadata]\nkubernetes.pod.name = web-0\nkubernetes.pod.uid = u\n"
    "[stdout]\nenabled = true\n";

static struct config		*cfg;
static struct record_tpl	*tpl[MODES];
static struct parser		*parser[MODES];
static struct line_cfg		 lc[MODES];

struct walk {
	const struct record_tpl	*t;
	struct parser		*p;
	uint64_t		 next;	/* where the next record must start */
	uint64_t		 end;
};

static int
emit(void *arg, const struct line_rec *l)
{
	struct walk	*w = arg;

	FUZZ_CHECK(l->off >= w->next && l->off <= l->end && l->end <= w->end);
	w->next = l->end;
	fuzz_record_check(w->t, l, w->p);
	return 0;
}

static void
setup(void)
{
	int	 i;

	cfg = fuzz_config(base);
	for (i = 0; i < MODES; i++) {
		tpl[i] = record_tpl_new(cfg, &cfg->inputs[i], NULL, 0);
		FUZZ_CHECK(tpl[i] != NULL);
		if (cfg->inputs[i].parse != PARSE_NONE &&
		    cfg->inputs[i].parse != PARSE_CRI) {
			parser[i] = parser_new(cfg, &cfg->inputs[i]);
			FUZZ_CHECK(parser[i] != NULL);
		}
		lc[i].max_bytes = cfg->inputs[i].max_line_bytes;
		lc[i].multiline = NULL;
		lc[i].parse = cfg->inputs[i].parse;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 scratch[LINE_SCRATCH(300)];
	struct walk	 w;
	size_t		 used;
	int		 mode;

	if (cfg == NULL)
		setup();
	if (size == 0)
		return 0;
	mode = data[0] % MODES;
	w.t = tpl[mode];
	w.p = parser[mode];
	w.next = 1000;
	w.end = 1000 + size - 1;
	/* Without flush a last line without newline waits; with it, it goes. */
	used = line_split(&lc[mode], NULL, (const char *)data + 1, size - 1,
	    1000, 0, scratch, sizeof(scratch), emit, &w);
	FUZZ_CHECK(used <= size - 1);
	w.next = 1000;
	used = line_split(&lc[mode], NULL, (const char *)data + 1, size - 1,
	    1000, 1, scratch, sizeof(scratch), emit, &w);
	FUZZ_CHECK(used == size - 1);
	return 0;
}
