/*
 * util.c: what several targets need: a private directory for the
 * files they read (made once per process, rewritten per input), a
 * config from text, and the record oracle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "json.h"
#include "line.h"
#include "log.h"
#include "parse.h"
#include "record.h"

static char	 dir[] = "/tmp/sidelog-fuzz-XXXXXX";
static int	 made;

static void
forget(void)
{
	char	 cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", dir);
}

const char *
fuzz_dir(void)
{
	if (!made) {
		FUZZ_CHECK(mkdtemp(dir) != NULL);
		atexit(forget);
		made = 1;
	}
	return dir;
}

/* Writes the input to DIR/name and returns that path. */
const char *
fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char	 path[256];
	FILE		*f;

	snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
	f = fopen(path, "wb");
	FUZZ_CHECK(f != NULL);
	FUZZ_CHECK(fwrite(data, 1, size, f) == size);
	FUZZ_CHECK(fclose(f) == 0);
	return path;
}

/* A config from INI text that must be valid. */
struct config *
fuzz_config(const char *text)
{
	struct config	*cfg;

	log_set_level(LOG_ERROR);
	cfg = config_load(fuzz_file("base.ini", (const uint8_t *)text,
	    strlen(text)), stderr);
	FUZZ_CHECK(cfg != NULL);
	return cfg;
}

/*
 * The promise of record.h: one line of valid JSON, never longer than
 * record_max().  The buffer is exactly that long, so ASan sees a write
 * past it.
 */
void
fuzz_record_check(const struct record_tpl *t, const struct line_rec *l,
    struct parser *p)
{
	static struct parsed	 parsed;
	struct record_vals	 v = { l, "/logs/app.log", 13,
				    "2026-11-30T08:00:00.123456Z",
				    "0123456789abcdef0123456789abcdef" };
	size_t			 max, n;
	char			*out;
	int			 errors = 0;

	if (p != NULL && parser_run(p, l->msg, l->len, &parsed, &errors))
		v.parsed = &parsed;
	max = record_max(t, &v);
	out = malloc(max);
	FUZZ_CHECK(out != NULL);
	n = record_encode(t, &v, out);
	FUZZ_CHECK(n > 0 && n <= max);
	FUZZ_CHECK(out[n - 1] == '\n');
	FUZZ_CHECK(json_valid(out, n - 1));
	free(out);
}
