/*
 * test_batch.c: a batch's records and the file ranges behind them:
 * ranges acknowledged once every part is resolved, never for a dropped
 * part; the queue's order and memory total; the gzip body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "batch.h"
#include "tail.h"
#include "tmpdir.h"

#define OUT	(1u << TAIL_SINK_OUTPUT)


/* A file of len bytes, followed, everything read. */
static struct tail *
file(const char *name, size_t len)
{
	char		 path[PATH_MAX + 16], *buf;
	struct tail	*t;
	FILE		*fp;
	int		 why;

	snprintf(path, sizeof(path), "%s", path_of(name));
	buf = malloc(len);
	assert_non_null(buf);
	memset(buf, 'x', len);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
	free(buf);
	t = tail_open(0, path, tmp_root(), OUT, &why);
	assert_non_null(t);
	assert_int_equal(tail_check(t), TAIL_READY);
	tail_consume(t, NULL, len);
	return t;
}

/* A record "r<i>\n" from [off, end) of t. */
static void
add(struct batch *b, struct tail *t, int i, uint64_t off, uint64_t end)
{
	char	*p = batch_reserve(b, 32);
	int	 n;

	assert_non_null(p);
	n = snprintf(p, 32, "r%d\n", i);
	batch_commit(b, (size_t)n, t, tail_gen(t), off, end);
}

static struct batch *
three(struct tail *t)
{
	struct batch	*b = batch_new(NULL, 1024, 100, NULL, NULL);

	assert_non_null(b);
	add(b, t, 0, 0, 10);
	add(b, t, 1, 10, 20);
	add(b, t, 2, 20, 30);
	assert_int_equal(batch_close(b), 0);
	return b;
}

static void
test_resolved_batch_acknowledges_its_ranges(void **state)
{
	struct tail	*t = file("a", 30);
	struct batch	*b = three(t);

	assert_int_equal(tail_delivered(t), 0);
	assert_int_equal(tail_is_idle(t), 0);
	batch_resolved(b);
	assert_int_equal(tail_delivered(t), 30);
	assert_int_equal(tail_is_idle(t), 1);
	tail_close(t);
}

static void
test_parts_acknowledge_only_when_every_part_is_resolved(void **state)
{
	struct tail	*t = file("b", 30);
	struct batch	*b = three(t), *h0, *h1;
	const char	*rec;
	size_t		 len;
	int		 first[1] = { 0 }, rest[2] = { 1, 2 };

	h0 = batch_pick(b, first, 1, NULL);
	h1 = batch_pick(b, rest, 2, NULL);
	assert_non_null(h0);
	assert_non_null(h1);
	assert_int_equal(batch_records(h1), 2);
	rec = batch_record(h1, 1, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(rec, "r2\n", 3);
	batch_resolved(b);		/* handed to its parts */
	batch_resolved(h1);
	assert_int_equal(tail_delivered(t), 0);
	batch_resolved(h0);
	assert_int_equal(tail_delivered(t), 30);
	tail_close(t);
}

static void
test_a_dropped_part_acknowledges_nothing(void **state)
{
	struct tail	*t = file("c", 30);
	struct batch	*b = three(t), *h0;
	int		 first[1] = { 0 };

	h0 = batch_pick(b, first, 1, NULL);
	assert_non_null(h0);
	batch_drop(h0);
	batch_resolved(b);
	assert_int_equal(tail_delivered(t), 0);
	tail_close(t);
}

/* More ranges than a batch starts with, interleaved from two files. */
static void
test_many_ranges_from_two_files_are_all_acknowledged(void **state)
{
	struct tail	*t1 = file("d1", 400), *t2 = file("d2", 400);
	struct batch	*b = batch_new(NULL, 64 * 1024, 1000, NULL, NULL);
	int		 i;

	assert_non_null(b);
	for (i = 0; i < 40; i++)
		add(b, i % 2 ? t2 : t1, i, (uint64_t)(i / 2) * 20,
		    (uint64_t)(i / 2 + 1) * 20);
	assert_int_equal(batch_records(b), 40);
	batch_close(b);
	batch_resolved(b);
	assert_int_equal(tail_delivered(t1), 400);
	assert_int_equal(tail_delivered(t2), 400);
	tail_close(t1);
	tail_close(t2);
}

static void
test_reserve_refuses_past_its_size_and_record_count(void **state)
{
	struct tail	*t = file("e", 10);
	struct batch	*b = batch_new(NULL, 64, 2, NULL, NULL);

	assert_non_null(b);
	assert_null(batch_reserve(b, 65));
	assert_non_null(batch_reserve(b, 64));
	add(b, t, 0, 0, 5);
	add(b, t, 1, 5, 10);
	assert_null(batch_reserve(b, 1));	/* two records at most */
	batch_close(b);
	assert_null(batch_reserve(b, 1));	/* closed */
	batch_resolved(b);
	tail_close(t);
}

static void
test_queue_keeps_order_and_counts_memory(void **state)
{
	struct batch_queue	 q = { 0 };
	struct batch		*b[3];
	int			 i;

	for (i = 0; i < 3; i++) {
		b[i] = batch_new(NULL, 1000 * (size_t)(i + 1), 10, NULL,
		    NULL);
		assert_non_null(b[i]);
	}
	assert_null(batch_queue_pop(&q));
	batch_queue_push(&q, b[1], 0);
	batch_queue_push(&q, b[2], 0);
	batch_queue_push(&q, b[0], 1);	/* back at the head: a retry */
	assert_int_equal(q.len, 3);
	assert_int_equal(q.held, 6000);
	for (i = 0; i < 3; i++) {
		assert_ptr_equal(batch_queue_pop(&q), b[i]);
		batch_resolved(b[i]);
	}
	assert_int_equal(q.len, 0);
	assert_int_equal(q.held, 0);
	assert_null(batch_queue_pop(&q));
}

/* Far more batches than any fixed ring held: pushing never fails. */
static void
test_queue_takes_any_number_of_batches(void **state)
{
	struct batch_queue	 q = { 0 };
	struct batch		*b;
	int			 i, n = 0;

	for (i = 0; i < 10000; i++) {
		b = batch_new(NULL, 16, 1, NULL, NULL);
		assert_non_null(b);
		batch_queue_push(&q, b, i % 2);
	}
	assert_int_equal(q.len, 10000);
	while ((b = batch_queue_pop(&q)) != NULL) {
		batch_resolved(b);
		n++;
	}
	assert_int_equal(n, 10000);
}

static void
test_gzip_body_inflates_to_the_records(void **state)
{
	struct tail	*t = file("f", 100000);
	z_stream	 z, in;
	struct batch	*b;
	const char	*body;
	char		*out, *want;
	size_t		 len, wlen = 0;
	int		 i;

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	b = batch_new(NULL, 200000, 10000, &z, NULL);
	want = malloc(200000);
	assert_non_null(b);
	assert_non_null(want);
	for (i = 0; i < 10000; i++) {
		add(b, t, i, (uint64_t)i * 10, (uint64_t)i * 10 + 10);
		wlen += (size_t)snprintf(want + wlen, 32, "r%d\n", i);
	}
	assert_int_equal(batch_is_ready(b), 0);
	assert_int_equal(batch_close(b), 0);
	assert_int_equal(batch_is_ready(b), 1);
	body = batch_body(b, &len);
	assert_true(len < wlen);
	out = malloc(wlen + 1);
	memset(&in, 0, sizeof(in));
	assert_int_equal(inflateInit2(&in, 15 + 16), Z_OK);
	in.next_in = (Bytef *)body;
	in.avail_in = (uInt)len;
	in.next_out = (Bytef *)out;
	in.avail_out = (uInt)wlen + 1;
	assert_int_equal(inflate(&in, Z_FINISH), Z_STREAM_END);
	assert_int_equal(in.total_out, wlen);
	assert_memory_equal(out, want, wlen);
	inflateEnd(&in);
	deflateEnd(&z);
	batch_resolved(b);
	assert_int_equal(tail_delivered(t), 100000);
	free(out);
	free(want);
	tail_close(t);
}

/* An envelope format's frame: head, separators, tail, in every part. */
static void
test_frame_wraps_the_records_and_every_part(void **state)
{
	static const struct batch_frame	 f = { "[", ",", "]", 1, 1, 1 };
	struct tail			*t = file("g", 30);
	struct batch			*b, *p;
	const char			*body, *rec;
	size_t				 len;
	int				 rest[2] = { 1, 2 };
	char				*out;

	b = batch_new(NULL, 64, 10, NULL, &f);
	assert_non_null(b);
	for (len = 0; len < 3; len++) {
		out = batch_reserve(b, 8);
		assert_non_null(out);
		out[0] = (char)('a' + len);
		batch_commit(b, 1, t, tail_gen(t), len * 10, len * 10 + 10);
	}
	assert_int_equal(batch_close(b), 0);
	body = batch_body(b, &len);
	assert_int_equal(len, 7);
	assert_memory_equal(body, "[a,b,c]", 7);
	rec = batch_record(b, 1, &len);
	assert_int_equal(len, 1);
	assert_memory_equal(rec, "b", 1);
	p = batch_pick(b, rest, 2, NULL);
	assert_non_null(p);
	body = batch_body(p, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(body, "[b,c]", 5);
	rec = batch_record(p, 0, &len);
	assert_memory_equal(rec, "b", 1);
	batch_resolved(b);
	batch_resolved(p);
	assert_int_equal(tail_delivered(t), 30);
	tail_close(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolved_batch_acknowledges_its_ranges),
		cmocka_unit_test(
		    test_parts_acknowledge_only_when_every_part_is_resolved),
		cmocka_unit_test(test_a_dropped_part_acknowledges_nothing),
		cmocka_unit_test(
		    test_many_ranges_from_two_files_are_all_acknowledged),
		cmocka_unit_test(
		    test_reserve_refuses_past_its_size_and_record_count),
		cmocka_unit_test(test_queue_keeps_order_and_counts_memory),
		cmocka_unit_test(test_queue_takes_any_number_of_batches),
		cmocka_unit_test(test_gzip_body_inflates_to_the_records),
		cmocka_unit_test(test_frame_wraps_the_records_and_every_part),
	};

	return cmocka_run_group_tests(tests, NULL, tmp_cleanup);
}
