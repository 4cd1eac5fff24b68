/*
 * test_tail.c: one followed file's accounting: acknowledgements in and
 * out of order, per sink, across truncations; identity; resuming and
 * rewinding.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hash.h"
#include "refused.h"
#include "tail.h"
#include "tmpdir.h"

#define OUT	(1u << TAIL_SINK_OUTPUT)
#define BOTH	(OUT | (1u << TAIL_SINK_STDOUT))


/* Writes len bytes of c to name, from the start (truncating) or at
 * its end. */
static void
fill(const char *name, int c, size_t len, int append)
{
	char	 buf[4096];
	int	 fd;

	fd = open(path_of(name), O_WRONLY | O_CREAT | (append ? O_APPEND :
	    O_TRUNC), 0644);
	assert_true(fd != -1);
	memset(buf, c, sizeof(buf));
	while (len > 0) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		len -= n;
	}
	close(fd);
}

static struct tail *
follow(const char *name, unsigned sinks)
{
	struct tail	*t;
	int		 why;

	t = tail_open(0, path_of(name), tmp_root(), sinks, &why);
	assert_non_null(t);
	return t;
}

/* Reads everything there is, as the pump would. */
static void
read_all(struct tail *t)
{
	enum tail_check	 c = tail_check(t);

	assert_true(c == TAIL_READY || c == TAIL_IDLE);
	tail_consume(t, NULL, tail_size(t) - tail_read_off(t));
}

/* A sink took [off, end): the reference a batch would hold, then its
 * acknowledgement. */
static void
ack(struct tail *t, enum tail_sink s, uint64_t off, uint64_t end)
{
	tail_ref(t);
	tail_ack(t, s, tail_gen(t), off, end);
}

static void
test_in_order_acks_move_the_delivered_offset(void **state)
{
	struct tail	*t;

	fill("a", 'a', 300, 0);
	t = follow("a", OUT);
	read_all(t);
	assert_int_equal(tail_delivered(t), 0);
	ack(t, TAIL_SINK_OUTPUT, 0, 100);
	assert_int_equal(tail_delivered(t), 100);
	ack(t, TAIL_SINK_OUTPUT, 100, 300);
	assert_int_equal(tail_delivered(t), 300);
	assert_int_equal(tail_is_idle(t), 1);
	tail_close(t);
}

static void
test_acks_ahead_wait_for_the_gap_to_close(void **state)
{
	struct tail	*t;

	fill("b", 'b', 400, 0);
	t = follow("b", OUT);
	read_all(t);
	ack(t, TAIL_SINK_OUTPUT, 300, 400);
	ack(t, TAIL_SINK_OUTPUT, 100, 200);
	assert_int_equal(tail_delivered(t), 0);
	ack(t, TAIL_SINK_OUTPUT, 0, 100);
	assert_int_equal(tail_delivered(t), 200);
	ack(t, TAIL_SINK_OUTPUT, 200, 300);
	assert_int_equal(tail_delivered(t), 400);
	tail_close(t);
}

/*
 * One batch held back by retries while thousands after it are
 * delivered (small batches, a long outage): every one of them must be
 * remembered, whatever their number.
 */
static void
test_thousands_of_acks_ahead_are_all_kept(void **state)
{
	struct tail	*t;
	uint64_t	 i, n = 5000;

	fill("c", 'c', n * 10, 0);
	t = follow("c", OUT);
	read_all(t);
	/* Every other batch first, then the rest backwards. */
	for (i = 1; i < n; i += 2)
		ack(t, TAIL_SINK_OUTPUT, i * 10, i * 10 + 10);
	for (i = n - 2; i > 0; i -= 2)
		ack(t, TAIL_SINK_OUTPUT, i * 10, i * 10 + 10);
	assert_int_equal(tail_delivered(t), 0);
	ack(t, TAIL_SINK_OUTPUT, 0, 10);
	assert_int_equal(tail_delivered(t), n * 10);
	assert_int_equal(tail_is_idle(t), 1);
	tail_close(t);
}

static void
test_delivered_is_the_slower_sink(void **state)
{
	struct tail	*t;

	fill("d", 'd', 200, 0);
	t = follow("d", BOTH);
	read_all(t);
	ack(t, TAIL_SINK_OUTPUT, 0, 200);
	assert_int_equal(tail_delivered(t), 0);
	ack(t, TAIL_SINK_STDOUT, 0, 50);
	assert_int_equal(tail_delivered(t), 50);
	ack(t, TAIL_SINK_STDOUT, 50, 200);
	assert_int_equal(tail_delivered(t), 200);
	tail_close(t);
}

static void
test_truncation_starts_again_and_ignores_old_acks(void **state)
{
	struct tail	*t;
	unsigned	 gen;

	fill("e", 'e', 2000, 0);
	t = follow("e", OUT);
	read_all(t);
	gen = tail_gen(t);
	tail_ref(t);		/* a batch holds [0, 2000) */
	fill("e", 'f', 500, 0);	/* copytruncate, then new lines */
	assert_int_equal(tail_check(t), TAIL_TRUNCATED);
	assert_int_equal(tail_read_off(t), 0);
	assert_int_not_equal(tail_gen(t), gen);
	tail_ack(t, TAIL_SINK_OUTPUT, gen, 0, 2000);
	assert_int_equal(tail_delivered(t), 0);
	read_all(t);
	ack(t, TAIL_SINK_OUTPUT, 0, 500);
	assert_int_equal(tail_delivered(t), 500);
	assert_int_equal(tail_is_idle(t), 1);
	tail_close(t);
}

/* The same size or larger, but other first bytes: a new file. */
static void
test_new_first_bytes_are_a_truncation(void **state)
{
	struct tail	*t;

	fill("f", 'a', 100, 0);
	t = follow("f", OUT);
	read_all(t);
	fill("f", 'b', 300, 0);
	assert_int_equal(tail_check(t), TAIL_TRUNCATED);
	assert_int_equal(tail_read_off(t), 0);
	tail_close(t);
}

/* Writes a then b bytes of two kinds: a file's first bytes and the
 * rest. */
static void
fill2(const char *name, int a, size_t alen, int b, size_t blen)
{
	fill(name, a, alen, 0);
	fill(name, b, blen, 1);
}

/* Reads as the pump does, keeping the bytes under the read offset. */
static ssize_t
read_some(struct tail *t, char *buf, size_t len)
{
	const char	*data;
	ssize_t		 n;

	n = tail_read(t, buf, len, &data);
	if (n > 0)
		tail_consume(t, data, (size_t)n);
	return n;
}

/*
 * Rewritten past the read offset between two checks: the check sees a
 * file that grew and compares no fingerprint; the read sees other bytes
 * under the offset, compares it, and starts again from 0.
 */
static void
test_rewrite_grown_past_the_offset_is_found_by_the_read(void **state)
{
	static char	 buf[8192];
	struct tail	*t;
	unsigned	 gen;

	fill2("r", 'a', 1500, 'b', 1500);
	t = follow("r", OUT);
	assert_int_equal(tail_check(t), TAIL_READY);
	assert_int_equal(read_some(t, buf, sizeof(buf)), 3000);
	gen = tail_gen(t);
	fill2("r", 'c', 1500, 'd', 2500);
	assert_int_equal(tail_check(t), TAIL_READY);
	assert_int_equal(tail_gen(t), gen);
	assert_int_equal(read_some(t, buf, sizeof(buf)), 4000);
	assert_int_not_equal(tail_gen(t), gen);
	assert_int_equal(tail_read_off(t), 4000);
	assert_int_equal(buf[0], 'c');
	tail_close(t);
}

/*
 * The trade-off: rewritten with the same bytes under the read offset,
 * other first bytes, it is found by the next scan's tail_verify().
 */
static void
test_same_bytes_under_the_offset_wait_for_a_scan(void **state)
{
	static char	 buf[8192];
	struct tail	*t;
	unsigned	 gen;

	fill2("s", 'a', 1500, 'z', 1500);
	t = follow("s", OUT);
	assert_int_equal(tail_check(t), TAIL_READY);
	assert_int_equal(read_some(t, buf, sizeof(buf)), 3000);
	gen = tail_gen(t);
	fill2("s", 'c', 1500, 'z', 2500);
	assert_int_equal(tail_check(t), TAIL_READY);
	assert_int_equal(read_some(t, buf, sizeof(buf)), 1000);
	assert_int_equal(tail_gen(t), gen);
	tail_verify(t);
	assert_int_equal(tail_check(t), TAIL_TRUNCATED);
	assert_int_not_equal(tail_gen(t), gen);
	tail_close(t);
}

/* Smaller than last seen but not than the read offset: the fingerprint
 * is compared at the check. */
static void
test_shrunk_file_has_its_fingerprint_compared(void **state)
{
	static char	 buf[8192];
	struct tail	*t;

	fill2("u", 'a', 1500, 'b', 1500);
	t = follow("u", OUT);
	assert_int_equal(tail_check(t), TAIL_READY);
	assert_int_equal(read_some(t, buf, 2000), 2000);
	assert_int_equal(tail_check(t), TAIL_READY);
	fill2("u", 'c', 1500, 'b', 1000);	/* 2500: below 3000, not 2000 */
	assert_int_equal(tail_check(t), TAIL_TRUNCATED);
	tail_close(t);
}

static void
test_resume_past_the_end_reads_from_zero(void **state)
{
	struct tail	*t;

	fill("g", 'g', 4502, 0);
	t = follow("g", OUT);
	tail_resume(t, 104202);
	assert_int_equal(tail_read_off(t), 0);
	assert_int_equal(tail_delivered(t), 0);
	tail_resume(t, 4502);	/* all of it: nothing to read */
	assert_int_equal(tail_read_off(t), 4502);
	assert_int_equal(tail_check(t), TAIL_IDLE);
	tail_close(t);
}

static void
test_rewind_goes_back_to_the_delivered_offset(void **state)
{
	struct tail	*t;

	fill("h", 'h', 300, 0);
	t = follow("h", BOTH);
	read_all(t);
	ack(t, TAIL_SINK_STDOUT, 0, 300);
	ack(t, TAIL_SINK_OUTPUT, 0, 100);
	tail_ref(t);		/* [100, 300) held by a dropped batch */
	tail_rewind(t, 0, OUT);
	assert_int_equal(tail_read_off(t), 100);
	assert_int_equal(tail_delivered(t), 100);
	assert_int_equal(tail_is_idle(t), 1);
	read_all(t);
	ack(t, TAIL_SINK_OUTPUT, 100, 300);
	assert_int_equal(tail_delivered(t), 300);
	tail_close(t);
}

static void
test_checkpoint_entry_matches_only_the_same_file(void **state)
{
	struct checkpoint_entry	 e;
	struct tail		*t, *u;

	fill("i", 'i', 2000, 0);
	t = follow("i", OUT);
	read_all(t);
	ack(t, TAIL_SINK_OUTPUT, 0, 1500);
	tail_entry(t, "app", &e);
	assert_string_equal(e.input, "app");
	assert_int_equal(e.offset, 1500);
	assert_int_equal(e.fp_len, CHECKPOINT_FP_MAX);
	assert_true(tail_matches(t, &e));
	tail_close(t);
	/* The same inode with other first bytes is another file. */
	fill("i", 'j', 2000, 0);
	u = follow("i", OUT);
	assert_false(tail_matches(u, &e));
	tail_close(u);
	/* Grown after the checkpoint: still the same file. */
	fill("i", 'i', 2000, 0);
	fill("i", 'k', 100, 1);
	u = follow("i", OUT);
	assert_true(tail_matches(u, &e));
	tail_close(u);
}

/* A refusal is returned for the caller to say once, not logged here. */
static void
test_open_returns_why_a_file_is_refused(void **state)
{
	int	 why = 0;

	assert_int_equal(mkfifo(path_of("fifo"), 0644), 0);
	assert_null(tail_open(0, path_of("fifo"), tmp_root(), OUT, &why));
	assert_int_equal(why, REFUSED_IRREGULAR);
	assert_null(tail_open(0, path_of("none"), tmp_root(), OUT, &why));
	assert_int_equal(why, ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order_acks_move_the_delivered_offset),
		cmocka_unit_test(test_acks_ahead_wait_for_the_gap_to_close),
		cmocka_unit_test(test_thousands_of_acks_ahead_are_all_kept),
		cmocka_unit_test(test_delivered_is_the_slower_sink),
		cmocka_unit_test(
		    test_truncation_starts_again_and_ignores_old_acks),
		cmocka_unit_test(test_new_first_bytes_are_a_truncation),
		cmocka_unit_test(
		    test_rewrite_grown_past_the_offset_is_found_by_the_read),
		cmocka_unit_test(
		    test_same_bytes_under_the_offset_wait_for_a_scan),
		cmocka_unit_test(test_shrunk_file_has_its_fingerprint_compared),
		cmocka_unit_test(test_resume_past_the_end_reads_from_zero),
		cmocka_unit_test(test_rewind_goes_back_to_the_delivered_offset),
		cmocka_unit_test(
		    test_checkpoint_entry_matches_only_the_same_file),
		cmocka_unit_test(test_open_returns_why_a_file_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, tmp_cleanup);
}
