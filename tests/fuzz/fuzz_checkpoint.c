/*
 * fuzz_checkpoint.c: any bytes as the checkpoint file (a PVC can hand
 * back a torn or foreign file).  Reading it either fails or gives
 * entries within their bounds; entries that were read are saved and
 * read back unchanged.  With the first byte odd the harness writes the
 * end line itself (count and CRC-32), so that the fuzzer reaches the
 * entry parser instead of stopping at a checksum it cannot guess.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "checkpoint.h"
#include "fuzz.h"
#include "log.h"

static int
same(const struct checkpoint_entry *a, const struct checkpoint_entry *b)
{
	return strcmp(a->input, b->input) == 0 && a->inode == b->inode &&
	    a->fp_len == b->fp_len && a->fp_hash == b->fp_hash &&
	    a->offset == b->offset && strcmp(a->path, b->path) == 0;
}

static void
with_end_line(const uint8_t *data, size_t size)
{
	uint8_t	*buf;
	size_t	 i, lines = 0;
	int	 n;

	buf = malloc(size + 32);
	FUZZ_CHECK(buf != NULL);
	memcpy(buf, data, size);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	n = snprintf((char *)buf + size, 32, "end %zu %08lx\n",
	    lines ? lines - 1 : 0, crc32(0, data, (uInt)size));
	fuzz_file("in.ckpt", buf, size + (size_t)n);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct checkpoint	*rt;
	struct checkpoint_entry		*e, *back;
	size_t				 n, nback, i;

	log_set_level(LOG_ERROR);
	if (size == 0)
		return 0;
	if (data[0] & 1)
		with_end_line(data + 1, size - 1);
	else
		fuzz_file("in.ckpt", data + 1, size - 1);
	if (checkpoint_read(fuzz_dir(), "in.ckpt", &e, &n) == -1)
		return 0;
	FUZZ_CHECK(n <= CHECKPOINT_MAX_ENTRIES);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(memchr(e[i].input, '\0', sizeof(e[i].input)));
		FUZZ_CHECK(strlen(e[i].path) < PATH_MAX);
		FUZZ_CHECK(e[i].fp_len <= CHECKPOINT_FP_MAX);
	}
	if (rt == NULL)
		rt = checkpoint_open(fuzz_dir(), "rt.ckpt");
	FUZZ_CHECK(rt != NULL);
	FUZZ_CHECK(checkpoint_save(rt, e, n) == 0);
	FUZZ_CHECK(checkpoint_read(fuzz_dir(), "rt.ckpt", &back, &nback) == 0);
	FUZZ_CHECK(nback == n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(same(&e[i], &back[i]));
	checkpoint_entries_free(e, n);
	checkpoint_entries_free(back, nback);
	return 0;
}
