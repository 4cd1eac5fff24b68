/*
 * testcfg.h: a configuration from INI text, for unit tests.  The last
 * one loaded is kept in cfg and freed by the next load.
 */
#ifndef SIDELOG_TEST_TESTCFG_H
#define SIDELOG_TEST_TESTCFG_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

static struct config	*cfg;

static struct config *
load(const char *text)
{
	char	 path[] = "/tmp/sidelog-test-cfg-XXXXXX";
	FILE	*f;
	int	 fd;

	config_free(cfg);
	fd = mkstemp(path);
	assert_true(fd != -1);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	f = fopen("/dev/null", "w");
	cfg = config_load(path, f);
	fclose(f);
	unlink(path);
	assert_non_null(cfg);
	return cfg;
}

#endif
