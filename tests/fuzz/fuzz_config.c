/*
 * fuzz_config.c: any bytes as the INI file (a ConfigMap can hold
 * anything).  config_load either returns a config that config_print can
 * show, or NULL with at least one "FILE:LINE: " diagnostic; never a
 * crash or a leak.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char	 diag[4096];
	struct config	*cfg;
	const char	*path;
	FILE		*f, *null;
	char		 want[300];

	log_set_level(LOG_ERROR);
	path = fuzz_file("fuzz.ini", data, size);
	memset(diag, 0, sizeof(diag));
	f = fmemopen(diag, sizeof(diag) - 1, "w");
	FUZZ_CHECK(f != NULL);
	setvbuf(f, NULL, _IONBF, 0);
	cfg = config_load(path, f);
	fclose(f);
	if (cfg == NULL) {
		snprintf(want, sizeof(want), "%s:", path);
		FUZZ_CHECK(strncmp(diag, want, strlen(want)) == 0);
		return 0;
	}
	null = fopen("/dev/null", "w");
	FUZZ_CHECK(null != NULL);
	config_print(cfg, null);
	fclose(null);
	config_free(cfg);
	return 0;
}
