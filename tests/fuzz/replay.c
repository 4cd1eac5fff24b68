/*
 * replay.c: a main() for a fuzz target without libFuzzer.  Runs every
 * file of the directories (or files) given once through the target, so
 * that `make check` replays the seed corpora and every crash found so
 * far under ASan and UBSan with the same compiler as the unit tests.
 * A directory without inputs is an error: a replay of nothing passes.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX	(16 * 1024 * 1024)	/* largest input read */

static int
replay_file(const char *path)
{
	uint8_t	*buf, *exact;
	size_t	 n;
	FILE	*f;

	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	buf = malloc(REPLAY_MAX);
	if (buf == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX, f);
	fclose(f);
	/* Exactly n bytes: ASan then sees any read past the end. */
	exact = malloc(n ? n : 1);
	if (exact == NULL) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 0;
}

static int
replay_dir(const char *dir)
{
	char		 path[4096];
	struct dirent	*de;
	struct stat	 st;
	DIR		*dp;
	int		 n = 0;

	dp = opendir(dir);
	if (dp == NULL) {
		perror(dir);
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(path) == -1) {
			closedir(dp);
			return -1;
		}
		n++;
	}
	closedir(dp);
	return n;
}

int
main(int argc, char *argv[])
{
	struct stat	 st;
	int		 i, n, total = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			perror(argv[i]);
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) :
		    replay_file(argv[i]) == 0;
		if (n <= 0) {
			fprintf(stderr, "replay: no inputs in %s\n", argv[i]);
			return 1;
		}
		total += n;
	}
	printf("replay: %s: %d inputs, no fault\n", argv[0], total);
	return 0;
}
