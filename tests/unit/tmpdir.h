/*
 * tmpdir.h: the unit tests' scratch directory, made on first use under
 * /tmp and removed by tmp_cleanup() (a cmocka group teardown).  Paths
 * are under its real path, as sidelog compares them after realpath().
 */
#ifndef SIDELOG_TEST_TMPDIR_H
#define SIDELOG_TEST_TMPDIR_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

static char	 tmp_dir[64], tmp_real[PATH_MAX];

/* The directory's real path, made if missing. */
static const char *
tmp_root(void)
{
	if (tmp_dir[0] == '\0') {
		snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/sidelog-test-XXXXXX");
		assert_non_null(mkdtemp(tmp_dir));
		assert_non_null(realpath(tmp_dir, tmp_real));
	}
	return tmp_real;
}

/* name in it; the same buffer each call. */
static const char *
path_of(const char *name)
{
	static char	 p[PATH_MAX + 16];
	int		 n;

	n = snprintf(p, sizeof(p), "%s/%s", tmp_root(), name);
	assert_true(n > 0 && (size_t)n < sizeof(p));
	return p;
}

/* Removes it and what it holds; a new one is made on next use. */
static int
tmp_cleanup(void **state)
{
	char	 cmd[128];
	int	 rc;

	(void)state;
	if (tmp_dir[0] == '\0')
		return 0;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp_dir);
	rc = system(cmd);
	tmp_dir[0] = '\0';
	return rc == 0 ? 0 : -1;
}

#endif
