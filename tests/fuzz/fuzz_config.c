/*
 * fuzz_config.c: any bytes as the INI file (a ConfigMap can hold
 * anything).  config_load either returns a config that config_print can
 * show, or NULL with at least one "FILE:LINE: " diagnostic; never a
 * crash or a leak.  The same offline (check --offline), where what the
 * pod must provide is listed, each line naming the file.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

/* One load, with flags: a config that prints (and, offline, whose
 * expectations name the file), or NULL with a diagnostic. */
static void
load(const char *path, int flags)
{
	static char	 diag[4096];
	struct config	*cfg;
	FILE		*f, *null;
	char		 want[300];
	int		 i;

	memset(diag, 0, sizeof(diag));
	f = fmemopen(diag, sizeof(diag) - 1, "w");
	FUZZ_CHECK(f != NULL);
	setvbuf(f, NULL, _IONBF, 0);
	cfg = config_load_flags(path, f, flags);
	fclose(f);
	snprintf(want, sizeof(want), "%s:", path);
	if (cfg == NULL) {
		FUZZ_CHECK(strncmp(diag, want, strlen(want)) == 0);
		return;
	}
	for (i = 0; i < cfg->nexpects; i++)
		FUZZ_CHECK(strncmp(cfg->expects[i], want, strlen(want)) == 0);
	FUZZ_CHECK(flags & CONFIG_OFFLINE || cfg->nexpects == 0);
	null = fopen("/dev/null", "w");
	FUZZ_CHECK(null != NULL);
	config_print(cfg, null);
	fclose(null);
	config_free(cfg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*path;

	log_set_level(LOG_ERROR);
	path = fuzz_file("fuzz.ini", data, size);
	load(path, 0);
	load(path, CONFIG_OFFLINE);
	return 0;
}
