/*
 * test_checkpoint.c: the checkpoint file: round trips, corruption of
 * every kind, the lock, atomic saves, running out of descriptors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "checkpoint.h"
#include "tmpdir.h"


/* Each test begins in an empty directory. */
static void
fresh_dir(void)
{
	assert_int_equal(tmp_cleanup(NULL), 0);
	tmp_root();
}

static void
entry(struct checkpoint_entry *e, const char *input, uint64_t ino,
    const char *path, uint64_t off)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->input, sizeof(e->input), "%s", input);
	e->inode = ino;
	e->fp_len = 1024;
	e->fp_hash = 0x0123456789abcdefULL ^ ino;
	e->offset = off;
	e->path = path;
}

static void
same(const struct checkpoint_entry *a, const struct checkpoint_entry *b)
{
	assert_string_equal(a->input, b->input);
	assert_int_equal(a->inode, b->inode);
	assert_int_equal(a->fp_len, b->fp_len);
	assert_int_equal(a->fp_hash, b->fp_hash);
	assert_int_equal(a->offset, b->offset);
	assert_string_equal(a->path, b->path);
}

/* checkpoint_format()'s source: one entry, once. */
static int
next_one(void *arg, struct checkpoint_entry *out)
{
	static const struct checkpoint_entry	*last;

	if (last == arg) {
		last = NULL;
		return 0;
	}
	last = arg;
	*out = *(const struct checkpoint_entry *)arg;
	return 1;
}

static void
test_save_then_load_round_trips_every_field(void **state)
{
	struct checkpoint_entry	 e[3], *got;
	struct checkpoint	*c;
	size_t			 n, i;

	fresh_dir();
	entry(&e[0], "app", 12345, "/var/log/app/app.log", 4096);
	entry(&e[1], "web-2", 18446744073709551615ULL,
	    "/logs/a b\\c\nd\xc3\xa9\x01.log", 0);
	entry(&e[2], "x.y_z", 1, "/r", 18446744073709551615ULL);
	e[2].fp_len = 0;
	e[2].fp_hash = 0;
	c = checkpoint_open(tmp_root(), "s.ckpt");
	assert_non_null(c);
	assert_int_equal(checkpoint_save(c, e, 3), 0);
	assert_int_equal(checkpoint_load(c, &got, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++)
		same(&got[i], &e[i]);
	checkpoint_entries_free(got, n);
	assert_int_equal(access(path_of("s.ckpt.tmp"), F_OK), -1);
	checkpoint_close(c);
	assert_int_equal(checkpoint_read(tmp_root(), "s.ckpt", &got, &n), 0);
	assert_int_equal(n, 3);
	checkpoint_entries_free(got, n);
}

static void
test_empty_list_round_trips_and_missing_file_is_empty(void **state)
{
	struct checkpoint_entry	*got;
	struct checkpoint	*c;
	size_t			 n = 99;

	fresh_dir();
	c = checkpoint_open(tmp_root(), "s.ckpt");
	assert_int_equal(checkpoint_load(c, &got, &n), 0);
	assert_int_equal(n, 0);
	checkpoint_entries_free(got, n);
	assert_int_equal(checkpoint_save(c, NULL, 0), 0);
	assert_int_equal(checkpoint_load(c, &got, &n), 0);
	assert_int_equal(n, 0);
	checkpoint_entries_free(got, n);
	checkpoint_close(c);
}

static void
test_missing_directories_are_created(void **state)
{
	struct checkpoint	*c;
	char			 nested[PATH_MAX + 16];
	struct stat		 st;

	fresh_dir();
	assert_true(snprintf(nested, sizeof(nested), "%s", path_of("a/b/c")) > 0);
	c = checkpoint_open(nested, "s.ckpt");
	assert_non_null(c);
	assert_int_equal(stat(nested, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	checkpoint_close(c);
}

static char	 good[4096];
static size_t	 goodlen;

static void
write_file(const char *name, const char *buf, size_t len)
{
	FILE	*f = fopen(path_of(name), "w");

	assert_non_null(f);
	fwrite(buf, 1, len, f);
	fclose(f);
}

static void
make_good(void)
{
	struct checkpoint_entry	 e[3];
	struct checkpoint	*c;
	FILE			*f;

	fresh_dir();
	entry(&e[0], "a", 1, "/x/1.log", 10);
	entry(&e[1], "b", 2, "/x/2.log", 20);
	entry(&e[2], "c", 3, "/x/3.log", 30);
	c = checkpoint_open(tmp_root(), "s.ckpt");
	assert_int_equal(checkpoint_save(c, e, 3), 0);
	checkpoint_close(c);
	f = fopen(path_of("s.ckpt"), "r");
	goodlen = fread(good, 1, sizeof(good), f);
	fclose(f);
}

/* Loads what is in s.ckpt; asserts it was set aside as corrupt. */
static void
assert_set_aside(void)
{
	struct checkpoint_entry	*got;
	struct checkpoint	*c;
	size_t			 n = 99;

	unlink(path_of("s.ckpt.corrupt"));
	c = checkpoint_open(tmp_root(), "s.ckpt");
	assert_int_equal(checkpoint_load(c, &got, &n), 0);
	assert_int_equal(n, 0);
	checkpoint_entries_free(got, n);
	assert_int_equal(access(path_of("s.ckpt.corrupt"), F_OK), 0);
	assert_int_equal(access(path_of("s.ckpt"), F_OK), -1);
	checkpoint_close(c);
}

static void
test_every_truncation_is_detected(void **state)
{
	size_t	 i;

	make_good();
	for (i = 0; i < goodlen; i++) {
		write_file("s.ckpt", good, i);
		assert_set_aside();
	}
}

static void
test_every_flipped_byte_is_detected(void **state)
{
	char	 bad[4096];
	size_t	 i;

	make_good();
	for (i = 0; i < goodlen; i++) {
		memcpy(bad, good, goodlen);
		bad[i] ^= 0x01;
		write_file("s.ckpt", bad, goodlen);
		assert_set_aside();
	}
}

/* Found by tests/fuzz/fuzz_checkpoint.c: with a valid CRC, a raw NUL in
 * a path or an input name cut it short, and the next save wrote a line
 * that could not be read back. */
static void
test_raw_bytes_the_writer_escapes_are_refused(void **state)
{
	static const char	 magic[] = "sidelog-checkpoint 1\n";
#define RAW(s)	{ s, sizeof(s) - 1 }	/* the entries hold NULs */
	static const struct { const char *s; size_t len; } bad[] = {
	    RAW("a 1 0 0000000000000000 5 /x/\0.log\n"),
	    RAW("a 1 0 0000000000000000 5 /x/a b.log\n"),
	    RAW("a 1 0 0000000000000000 5 /x/\x7f.log\n"),
	    RAW("\0a 1 0 0000000000000000 5 /x/1.log\n"),
	    RAW("a/b 1 0 0000000000000000 5 /x/1.log\n") };
#undef RAW
	char			 buf[256];
	size_t			 i, len;

	fresh_dir();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = sizeof(magic) - 1;
		memcpy(buf, magic, len);
		memcpy(buf + len, bad[i].s, bad[i].len);
		len += bad[i].len;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
		    "end 1 %08lx\n", crc32(0, (const Bytef *)buf, (uInt)len));
		write_file("s.ckpt", buf, len);
		assert_set_aside();
	}
}

static void
test_garbage_never_crashes(void **state)
{
	char		 buf[512];
	uint64_t	 x = 0x9e3779b97f4a7c15ULL;
	size_t		 len, i;
	int		 it;

	make_good();
	for (it = 0; it < 300; it++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = x % sizeof(buf);
		memcpy(buf, good, len < goodlen ? len : goodlen);
		for (i = it % 2 ? 0 : 40; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[i] = (x & 3) == 0 ? '\n' : (x & 7) == 1 ? ' ' :
			    (char)(x >> 40);
		}
		write_file("s.ckpt", buf, len);
		assert_set_aside();
	}
}

static void
test_second_open_fails_while_locked(void **state)
{
	struct checkpoint	*a, *b;

	fresh_dir();
	a = checkpoint_open(tmp_root(), "s.ckpt");
	assert_non_null(a);
	b = checkpoint_open(tmp_root(), "s.ckpt");
	assert_null(b);
	assert_int_equal(errno, EWOULDBLOCK);
	checkpoint_close(a);
	b = checkpoint_open(tmp_root(), "s.ckpt");
	assert_non_null(b);
	checkpoint_close(b);
}

static void
test_failed_save_keeps_the_previous_checkpoint(void **state)
{
	struct checkpoint_entry	 e, *got;
	struct checkpoint	*c;
	char			 path[PATH_MAX + 16];
	size_t			 n;

	fresh_dir();
	entry(&e, "a", 1, "/x/1.log", 10);
	c = checkpoint_open(tmp_root(), "s.ckpt");
	assert_int_equal(checkpoint_save(c, &e, 1), 0);
	/* A directory where the temporary file goes: the save fails even
	 * for root, which a read-only directory would not stop. */
	assert_true(snprintf(path, sizeof(path), "%s", path_of("s.ckpt.tmp")) > 0);
	assert_int_equal(mkdir(path, 0700), 0);
	e.offset = 99;
	assert_int_equal(checkpoint_save(c, &e, 1), -1);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(checkpoint_load(c, &got, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].offset, 10);
	checkpoint_entries_free(got, n);
	checkpoint_close(c);
}

static void
test_save_works_with_no_descriptor_left(void **state)
{
	struct checkpoint_entry	 e;
	struct checkpoint	*c;
	struct rlimit		 old, low;
	int			 fds[256], n = 0, i;

	fresh_dir();
	entry(&e, "a", 1, "/x/1.log", 10);
	c = checkpoint_open(tmp_root(), "s.ckpt");
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = 64;
	setrlimit(RLIMIT_NOFILE, &low);
	while (n < 256) {
		fds[n] = open("/dev/null", O_RDONLY);
		if (fds[n] == -1)
			break;
		n++;
	}
	assert_int_equal(errno, EMFILE);
	assert_int_equal(checkpoint_save(c, &e, 1), 0);
	for (i = 0; i < n; i++)
		close(fds[i]);
	setrlimit(RLIMIT_NOFILE, &old);
	checkpoint_close(c);
}

/* Waits for the writer thread's report: (ok, failed). */
static int
results(struct checkpoint *c, int *ok)
{
	struct pollfd	 p = { checkpoint_fd(c), POLLIN, 0 };

	assert_int_equal(poll(&p, 1, 5000), 1);
	return checkpoint_results(c, ok);
}

static void
test_queued_text_is_written_by_the_writer_and_once(void **state)
{
	struct checkpoint_entry	 e, *got;
	struct checkpoint	*c;
	struct stat		 st1, st2;
	size_t			 n, len;
	char			*text;
	int			 ok = 0;

	fresh_dir();
	c = checkpoint_open(tmp_root(), "s.ckpt");
	assert_non_null(c);
	assert_int_equal(checkpoint_fd(c), -1);	/* no thread until used */
	entry(&e, "app", 7, "/l/a.log", 100);
	assert_int_equal(checkpoint_save(c, &e, 1), 0);
	assert_int_equal(stat(path_of("s.ckpt"), &st1), 0);
	/* The same text again: nothing is written. */
	text = checkpoint_format(next_one, &e, &len);
	assert_non_null(text);
	assert_int_equal(checkpoint_queue(c, text, len), 0);
	assert_int_equal(checkpoint_fd(c), -1);
	/* A new offset: written off this thread. */
	e.offset = 200;
	text = checkpoint_format(next_one, &e, &len);
	assert_int_equal(checkpoint_queue(c, text, len), 0);
	assert_int_not_equal(checkpoint_fd(c), -1);
	assert_int_equal(results(c, &ok), 0);
	assert_int_equal(ok, 1);
	assert_int_equal(stat(path_of("s.ckpt"), &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino);	/* renamed over */
	assert_int_equal(checkpoint_read(tmp_root(), "s.ckpt", &got, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got[0].offset, 200);
	checkpoint_entries_free(got, n);
	checkpoint_close(c);
}

/* A failed write is reported, and the same text is written again. */
static void
test_failed_queued_write_is_reported_and_retried(void **state)
{
	struct checkpoint_entry	 e, *got;
	struct checkpoint	*c;
	size_t			 n, len;
	char			*text;
	int			 ok = 0;

	fresh_dir();
	c = checkpoint_open(tmp_root(), "s.ckpt");
	entry(&e, "app", 7, "/l/a.log", 300);
	assert_int_equal(mkdir(path_of("s.ckpt.tmp"), 0700), 0);
	text = checkpoint_format(next_one, &e, &len);
	assert_int_equal(checkpoint_queue(c, text, len), 0);
	assert_int_equal(results(c, &ok), 1);
	assert_int_equal(ok, 0);
	assert_int_equal(rmdir(path_of("s.ckpt.tmp")), 0);
	text = checkpoint_format(next_one, &e, &len);
	assert_int_equal(checkpoint_queue(c, text, len), 0);
	assert_int_equal(results(c, &ok), 0);
	assert_int_equal(ok, 1);
	assert_int_equal(checkpoint_read(tmp_root(), "s.ckpt", &got, &n), 0);
	assert_int_equal(got[0].offset, 300);
	checkpoint_entries_free(got, n);
	checkpoint_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_save_then_load_round_trips_every_field),
		cmocka_unit_test(
		    test_empty_list_round_trips_and_missing_file_is_empty),
		cmocka_unit_test(test_missing_directories_are_created),
		cmocka_unit_test(test_every_truncation_is_detected),
		cmocka_unit_test(test_every_flipped_byte_is_detected),
		cmocka_unit_test(test_raw_bytes_the_writer_escapes_are_refused),
		cmocka_unit_test(test_garbage_never_crashes),
		cmocka_unit_test(test_second_open_fails_while_locked),
		cmocka_unit_test(test_failed_save_keeps_the_previous_checkpoint),
		cmocka_unit_test(test_save_works_with_no_descriptor_left),
		cmocka_unit_test(
		    test_queued_text_is_written_by_the_writer_and_once),
		cmocka_unit_test(
		    test_failed_queued_write_is_reported_and_retried),
	};

	return cmocka_run_group_tests(tests, NULL, tmp_cleanup);
}
