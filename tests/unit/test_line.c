/*
 * test_line.c: cutting bytes into records: plain lines, long lines,
 * multiline records, the kubelet's CRI format, and a consumer that
 * refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ere.h"
#include "line.h"

#define MAXREC	64

struct got {
	int		 n;
	char		 msg[MAXREC][256];
	size_t		 len[MAXREC];
	uint64_t	 off[MAXREC], end[MAXREC];
	int		 cut[MAXREC];
	enum line_stream stream[MAXREC];
	char		 time[MAXREC][64];
	int		 refuse_after;	/* -1: never */
};

static struct got	 g;
static char		 scratch[LINE_SCRATCH(4096)];

static int
collect(void *ctx, const struct line_rec *r)
{
	struct got	*gp = ctx;

	if (gp->refuse_after >= 0 && gp->n == gp->refuse_after)
		return -1;
	assert_true(gp->n < MAXREC);
	memcpy(gp->msg[gp->n], r->msg, r->len < 255 ? r->len : 255);
	gp->msg[gp->n][r->len < 255 ? r->len : 255] = '\0';
	gp->len[gp->n] = r->len;
	gp->off[gp->n] = r->off;
	gp->end[gp->n] = r->end;
	gp->cut[gp->n] = r->cut;
	gp->stream[gp->n] = r->stream;
	snprintf(gp->time[gp->n], sizeof(gp->time[0]), "%.*s",
	    (int)r->timelen, r->time ? r->time : "");
	gp->n++;
	return 0;
}

static size_t
split(const struct line_cfg *c, const char *s, size_t len, uint64_t off,
    int flush)
{
	memset(&g, 0, sizeof(g));
	g.refuse_after = -1;
	return line_split(c, NULL, s, len, off, flush, scratch,
	    sizeof(scratch), collect, &g);
}

static const struct line_cfg plain = { 4096, NULL, PARSE_NONE };

static void
test_lines_are_records_without_their_newline(void **state)
{
	const char	*s = "one\ntwo\r\n\nthree\n";

	assert_int_equal(split(&plain, s, strlen(s), 100, 0), strlen(s));
	assert_int_equal(g.n, 4);
	assert_string_equal(g.msg[0], "one");
	assert_string_equal(g.msg[1], "two\r");
	assert_int_equal(g.len[2], 0);
	assert_string_equal(g.msg[3], "three");
	assert_int_equal(g.off[0], 100);
	assert_int_equal(g.end[0], 104);
	assert_int_equal(g.off[3], 110);
	assert_int_equal(g.end[3], 116);
	assert_int_equal(g.cut[3], 0);
}

static void
test_partial_last_line_is_not_consumed_without_flush(void **state)
{
	assert_int_equal(split(&plain, "a\nbc", 4, 0, 0), 2);
	assert_int_equal(g.n, 1);
	assert_int_equal(split(&plain, "a\nbc", 4, 0, 1), 4);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.msg[1], "bc");
	assert_int_equal(g.cut[1], 1);
	assert_int_equal(split(&plain, "", 0, 0, 1), 0);
	assert_int_equal(g.n, 0);
}

static void
test_nul_bytes_do_not_end_a_record(void **state)
{
	assert_int_equal(split(&plain, "a\0b\0c\n", 6, 0, 0), 6);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.len[0], 5);
}

static void
test_long_line_is_cut_into_records_of_max_bytes(void **state)
{
	struct line_cfg	 c = { 4, NULL, PARSE_NONE };

	assert_int_equal(split(&c, "abcdefghij\nxy", 13, 0, 0), 11);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.msg[0], "abcd");
	assert_int_equal(g.cut[0], 1);
	assert_string_equal(g.msg[1], "efgh");
	assert_string_equal(g.msg[2], "ij");
	assert_int_equal(g.cut[2], 0);
	assert_int_equal(g.off[2], 8);
	/* Exactly max_bytes before the newline is one record. */
	assert_int_equal(split(&c, "abcd\n", 5, 0, 0), 5);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.cut[0], 0);
}

static void
test_cut_keeps_utf8_sequences_whole(void **state)
{
	struct line_cfg	 c = { 4, NULL, PARSE_NONE };
	/* "ab" then U+20AC (3 bytes): a cut at 4 would split the euro. */
	const char	*s = "ab\xe2\x82\xac" "cd\n";

	assert_int_equal(split(&c, s, strlen(s), 0, 0), strlen(s));
	assert_int_equal(g.n, 3);
	assert_int_equal(g.len[0], 2);
	assert_string_equal(g.msg[1], "\xe2\x82\xac" "c");
	assert_string_equal(g.msg[2], "d");
	/* Invalid bytes are cut where they fall. */
	assert_int_equal(split(&c, "ab\x80\x80\x80\x80\n", 7, 0, 0), 7);
	assert_int_equal(g.len[0], 4);
}

static void
test_refusal_stops_after_the_last_accepted_record(void **state)
{
	const char	*s = "a\nbb\nccc\n";

	memset(&g, 0, sizeof(g));
	g.refuse_after = 2;
	assert_int_equal(line_split(&plain, NULL, s, strlen(s), 0, 0, scratch,
	    sizeof(scratch), collect, &g), 5);
	assert_int_equal(g.n, 2);
}

static struct ere	*java;
#define TRACE	"2026-11-22 ERROR boom\njava.lang.X: y\n\tat a.b(C.java:1)\n" \
		"Caused by: z\n\t... 3 more\n"

static void
test_multiline_groups_a_stack_trace(void **state)
{
	struct line_cfg	 c = { 4096, java, PARSE_NONE };
	const char	*s = TRACE "2026-11-22 INFO ok\n2026-11-22 INFO next\n";

	assert_int_equal(split(&c, s, strlen(s), 0, 0),
	    strlen(TRACE) + strlen("2026-11-22 INFO ok\n"));
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[0], strlen(TRACE) - 1);
	assert_memory_equal(g.msg[0], TRACE, 20);
	assert_string_equal(g.msg[1], "2026-11-22 INFO ok");
	assert_int_equal(g.off[1], strlen(TRACE));
}

static void
test_multiline_pending_record_needs_flush(void **state)
{
	struct line_cfg	 c = { 4096, java, PARSE_NONE };

	assert_int_equal(split(&c, TRACE, strlen(TRACE), 0, 0), 0);
	assert_int_equal(g.n, 0);
	assert_int_equal(split(&c, TRACE, strlen(TRACE), 0, 1), strlen(TRACE));
	assert_int_equal(g.n, 1);
	assert_int_equal(g.cut[0], 0);
	/* A half line at the end joins the record, which is then cut. */
	assert_int_equal(split(&c, TRACE "\tat x", strlen(TRACE) + 5, 0, 1),
	    strlen(TRACE) + 5);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.cut[0], 1);
}

static void
test_multiline_record_stops_at_max_bytes(void **state)
{
	struct line_cfg	 c = { 24, java, PARSE_NONE };
	const char	*s = "2026-1\n\tat 1234567890\n\tat abcdefghij\n2026-2\n";

	assert_int_equal(split(&c, s, strlen(s), 0, 0), strlen(s) -
	    strlen("2026-2\n"));
	assert_int_equal(g.n, 2);
	assert_string_equal(g.msg[0], "2026-1\n\tat 1234567890");
	assert_string_equal(g.msg[1], "\tat abcdefghij");
}

/*
 * The pump's way with a multiline record written a piece at a time: a
 * record pending is grown with the bytes added since, and cut from its
 * start only when it may end; then a flush at the end.  Into g.
 */
static void
split_in_pieces(const struct line_cfg *c, const char *s, size_t len,
    const size_t *have, int npieces)
{
	struct line_pending	 pend;
	uint64_t		 off = 0;
	int			 i;

	memset(&g, 0, sizeof(g));
	g.refuse_after = -1;
	memset(&pend, 0, sizeof(pend));
	for (i = 0; i < npieces; i++) {
		if (pend.next != 0 && pend.off == off &&
		    (pend.next >= have[i] || line_pending_grow(c, &pend,
		    s + pend.next, have[i] - pend.next, scratch,
		    sizeof(scratch))))
			continue;
		off += line_split(c, &pend, s + off, have[i] - off, off, 0,
		    scratch, sizeof(scratch), collect, &g);
	}
	off += line_split(c, &pend, s + off, len - off, off, 1, scratch,
	    sizeof(scratch), collect, &g);
	assert_int_equal(off, len);
}

static void
assert_same_records(const struct got *a, const struct got *b)
{
	int	 i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->len[i], b->len[i]);
		assert_string_equal(a->msg[i], b->msg[i]);
		assert_int_equal(a->off[i], b->off[i]);
		assert_int_equal(a->end[i], b->end[i]);
		assert_int_equal(a->cut[i], b->cut[i]);
		assert_int_equal(a->stream[i], b->stream[i]);
		assert_string_equal(a->time[i], b->time[i]);
	}
}

static void
test_multiline_record_grown_line_by_line_is_matched_once(void **state)
{
	struct line_cfg		 c = { 4096, java, PARSE_NONE };
	const char		*s = TRACE "2026-11-22 INFO ok\n";
	struct line_pending	 pend;
	size_t			 have[16];
	int			 n = 0;
	const char		*p;
	struct got		 whole;

	for (p = s; (p = strchr(p, '\n')) != NULL; p++)
		have[n++] = (size_t)(p - s) + 1;
	split_in_pieces(&c, s, strlen(s), have, n);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.len[0], strlen(TRACE) - 1);
	whole = g;
	split(&c, s, strlen(s), 0, 1);
	assert_same_records(&whole, &g);
	/* The note says how far it was matched, and what it holds so far. */
	memset(&pend, 0, sizeof(pend));
	assert_int_equal(line_split(&c, &pend, TRACE, 30, 0, 0, scratch,
	    sizeof(scratch), collect, &g), 0);
	assert_int_equal(pend.off, 0);
	assert_int_equal(pend.next, strlen("2026-11-22 ERROR boom\n"));
	assert_int_equal(pend.total, strlen("2026-11-22 ERROR boom"));
	assert_int_equal(line_pending_grow(&c, &pend, TRACE + pend.next,
	    strlen(TRACE) - pend.next, scratch, sizeof(scratch)), 1);
	assert_int_equal(pend.next, strlen(TRACE));
	assert_int_equal(pend.total, strlen(TRACE) - 1);
	assert_int_equal(line_pending_grow(&c, &pend, "2026-", 5, scratch,
	    sizeof(scratch)), 1);	/* half a line: may still continue */
	assert_int_equal(line_pending_grow(&c, &pend, "2026-1\n", 7, scratch,
	    sizeof(scratch)), 0);
}

/* Lines under the note are taken as matched: a note that does not fit
 * the bytes is the caller's to clear (truncation, reload). */
static void
test_pending_note_is_trusted_only_at_its_offset(void **state)
{
	struct line_cfg		 c = { 4096, java, PARSE_NONE };
	const char		*s = "2026-1\n2026-2\n2026-3\n";
	struct line_pending	 pend = { 0, 14, 13 };

	memset(&g, 0, sizeof(g));
	g.refuse_after = -1;
	assert_int_equal(line_split(&c, &pend, s, strlen(s), 0, 0, scratch,
	    sizeof(scratch), collect, &g), 14);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msg[0], "2026-1\n2026-2");
	assert_int_equal(pend.off, 14);
	assert_int_equal(pend.next, 21);
	pend = (struct line_pending){ 7, 14, 13 };	/* of another record */
	memset(&g, 0, sizeof(g));
	g.refuse_after = -1;
	assert_int_equal(line_split(&c, &pend, s, strlen(s), 0, 0, scratch,
	    sizeof(scratch), collect, &g), 14);
	assert_int_equal(g.n, 2);
}

/* Random multiline text, plain and CRI, small max_bytes, written in
 * random pieces: the same records as the whole text cut at once. */
static void
test_random_pieces_give_the_records_of_the_whole(void **state)
{
	static const char *const lines[] = { "2026-11-22 ERROR boom",
	    "\tat a.b(C.java:1)", "Caused by: x", "", "2026-x",
	    "\t... 12 more and then some more text to be long" };
	static char	 in[4096];
	uint64_t	 x = 88172645463325252ULL;
	struct line_cfg	 c = { 0, java, PARSE_NONE };
	struct got	 whole;
	size_t		 n, have[64];
	int		 it, i, k, np;

	for (it = 0; it < 3000; it++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		c.parse = (x & 1) ? PARSE_CRI : PARSE_NONE;
		c.max_bytes = 16 + (x >> 8) % 200;
		k = 1 + (int)((x >> 16) % 15);
		for (n = 0, i = 0; i < k; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (c.parse == PARSE_CRI)
				n += (size_t)snprintf(in + n, sizeof(in) - n,
				    "2026-11-22T08:00:0%dZ std%s %c ",
				    (int)(x >> 40) % 10, (x & 64) ? "err" :
				    "out", (x & 6) ? 'F' : 'P');
			n += (size_t)snprintf(in + n, sizeof(in) - n, "%s\n",
			    lines[(x >> 8) % 6]);
		}
		if (x & 128)
			n--;		/* a last line without its newline */
		for (np = 0; np < 63; np++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			have[np] = np == 0 ? x % (n + 1) : have[np - 1] +
			    x % (n + 1 - have[np - 1]) / 4;
		}
		have[np++] = n;
		split(&c, in, n, 0, 1);
		whole = g;
		split_in_pieces(&c, in, n, have, np);
		assert_same_records(&whole, &g);
	}
}

static const struct line_cfg cri = { 4096, NULL, PARSE_CRI };

static void
test_cri_line_has_time_stream_and_message(void **state)
{
	const char	*s = "2026-11-22T08:00:00.669794202Z stdout F hello world\n"
	    "2026-11-22T08:00:01Z stderr F:x oops\n";

	assert_int_equal(split(&cri, s, strlen(s), 0, 0), strlen(s));
	assert_int_equal(g.n, 2);
	assert_string_equal(g.msg[0], "hello world");
	assert_string_equal(g.time[0], "2026-11-22T08:00:00.669794202Z");
	assert_int_equal(g.stream[0], LINE_STREAM_STDOUT);
	assert_string_equal(g.msg[1], "oops");
	assert_int_equal(g.stream[1], LINE_STREAM_STDERR);
}

static void
test_cri_partials_are_joined(void **state)
{
	const char	*s = "2026-11-22T08:00:00Z stdout P abc\n"
	    "2026-11-22T08:00:00Z stdout P def\n2026-11-22T08:00:01Z stdout F gh\n";

	assert_int_equal(split(&cri, s, strlen(s), 7, 0), strlen(s));
	assert_int_equal(g.n, 1);
	assert_string_equal(g.msg[0], "abcdefgh");
	assert_int_equal(g.off[0], 7);
	assert_int_equal(g.end[0], 7 + strlen(s));
	assert_int_equal(g.cut[0], 0);
	/* Without the F yet, nothing is consumed. */
	assert_int_equal(split(&cri, s, 68, 0, 0), 0);
	assert_int_equal(split(&cri, s, 68, 0, 1), 68);
	assert_string_equal(g.msg[0], "abcdef");
	assert_int_equal(g.cut[0], 1);
}

static void
test_cri_other_stream_or_junk_ends_a_join(void **state)
{
	const char	*s = "2026-11-22T08:00:00Z stdout P abc\n"
	    "2026-11-22T08:00:00Z stderr F err\nnot cri at all\n";

	assert_int_equal(split(&cri, s, strlen(s), 0, 0), strlen(s));
	assert_int_equal(g.n, 3);
	assert_string_equal(g.msg[0], "abc");
	assert_int_equal(g.cut[0], 1);
	assert_string_equal(g.msg[1], "err");
	assert_string_equal(g.msg[2], "not cri at all");
	assert_int_equal(g.stream[2], LINE_STREAM_NONE);
}

/* A P fragment longer than max_bytes alone is cut like a line: its own
 * bytes, never what an earlier record left in the scratch buffer. */
static void
test_cri_fragment_over_max_bytes_is_cut(void **state)
{
	struct line_cfg	 c = { 8, NULL, PARSE_CRI };
	const char	*s = "2026-11-22T08:00:00Z stdout P abcdefghijkl\n"
	    "2026-11-22T08:00:00Z stdout F mn\n";
	const char	*z = "2026-11-22T08:00:00Z stdout P zzzzzzzzzzzz\n"
	    "2026-11-22T08:00:00Z stdout F z\n";

	split(&cri, z, strlen(z), 0, 0);	/* leaves z in scratch */
	assert_string_equal(g.msg[0], "zzzzzzzzzzzzz");
	assert_int_equal(split(&c, s, strlen(s), 0, 0), strlen(s));
	assert_int_equal(g.n, 3);
	assert_string_equal(g.msg[0], "abcdefgh");
	assert_int_equal(g.cut[0], 1);
	assert_int_equal(g.stream[0], LINE_STREAM_STDOUT);
	assert_string_equal(g.time[0], "2026-11-22T08:00:00Z");
	assert_string_equal(g.msg[1], "ijkl");
	assert_string_equal(g.msg[2], "mn");
}

static void
test_cri_with_multiline(void **state)
{
	struct line_cfg	 c = { 4096, java, PARSE_CRI };
	const char	*s = "2026-11-22T08:00:00Z stdout F 2026-11-22 ERROR x\n"
	    "2026-11-22T08:00:00Z stdout P \tat a.\n"
	    "2026-11-22T08:00:00Z stdout F b(C.java:1)\n"
	    "2026-11-22T08:00:01Z stdout F 2026-11-22 INFO ok\n";

	assert_int_equal(split(&c, s, strlen(s), 0, 1), strlen(s));
	assert_int_equal(g.n, 2);
	assert_string_equal(g.msg[0], "2026-11-22 ERROR x\n\tat a.b(C.java:1)");
	assert_string_equal(g.msg[1], "2026-11-22 INFO ok");
}

/* Random bytes, plain mode: records are contiguous, bounded, and give
 * back exactly the bytes they consumed. */
static char	 rebuilt[1 << 16];
static size_t	 rlen;
static uint64_t	 next_off;
static size_t	 maxlen;

static int
rebuild(void *ctx, const struct line_rec *r)
{
	assert_int_equal(r->off, next_off);
	assert_true(r->len <= maxlen);
	memcpy(rebuilt + rlen, r->msg, r->len);
	rlen += r->len;
	if (!r->cut)
		rebuilt[rlen++] = '\n';
	next_off = r->end;
	return 0;
}

static void
test_random_input_round_trips(void **state)
{
	static char	 in[4096];
	uint64_t	 x = 88172645463325252ULL;
	struct line_cfg	 c = { 0, NULL, PARSE_NONE };
	size_t		 i, n, used;
	int		 it;

	for (it = 0; it < 2000; it++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		n = x % sizeof(in);
		maxlen = c.max_bytes = 4 + (x >> 20) % 61;
		for (i = 0; i < n; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			in[i] = (x & 7) == 0 ? '\n' : (x & 15) == 1 ? '\0' :
			    (char)(x >> 32);
		}
		rlen = 0;
		next_off = 1000;
		used = line_split(&c, NULL, in, n, 1000, (int)(x & 1),
		    scratch, sizeof(scratch), rebuild, NULL);
		assert_int_equal(rlen, used);
		assert_memory_equal(rebuilt, in, used);
		assert_int_equal(next_off, 1000 + used);
	}
}

static int
setup(void **state)
{
	java = ere_new("^[0-9]{4}-");
	return java == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	ere_free(java);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_are_records_without_their_newline),
		cmocka_unit_test(
		    test_partial_last_line_is_not_consumed_without_flush),
		cmocka_unit_test(test_nul_bytes_do_not_end_a_record),
		cmocka_unit_test(test_long_line_is_cut_into_records_of_max_bytes),
		cmocka_unit_test(test_cut_keeps_utf8_sequences_whole),
		cmocka_unit_test(
		    test_refusal_stops_after_the_last_accepted_record),
		cmocka_unit_test(test_multiline_groups_a_stack_trace),
		cmocka_unit_test(test_multiline_pending_record_needs_flush),
		cmocka_unit_test(test_multiline_record_stops_at_max_bytes),
		cmocka_unit_test(
		    test_multiline_record_grown_line_by_line_is_matched_once),
		cmocka_unit_test(
		    test_pending_note_is_trusted_only_at_its_offset),
		cmocka_unit_test(
		    test_random_pieces_give_the_records_of_the_whole),
		cmocka_unit_test(test_cri_line_has_time_stream_and_message),
		cmocka_unit_test(test_cri_partials_are_joined),
		cmocka_unit_test(test_cri_other_stream_or_junk_ends_a_join),
		cmocka_unit_test(test_cri_fragment_over_max_bytes_is_cut),
		cmocka_unit_test(test_cri_with_multiline),
		cmocka_unit_test(test_random_input_round_trips),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
