/*
 * test_record.c: the JSON record: key order and nesting, metadata,
 * fields and labels, escaping and UTF-8 repair, parse = json, and a
 * strict check that random bytes always give valid JSON within
 * record_max().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "json.h"
#include "parse.h"
#include "record.h"
#include "testcfg.h"

static char		 out[1 << 22];

#define BASE "[input.app]\npaths = /x/*.log\n[stdout]\nenabled = true\n"

static const char *
encode(const struct config *c, const char *msg, size_t len, uint64_t off,
    const char *id, const struct config_pair *labels, int nlabels)
{
	static struct parsed	 parsed;
	struct record_tpl	*t = record_tpl_new(c, &c->inputs[0], labels,
				    nlabels);
	struct parser		*p = parser_new(c, &c->inputs[0]);
	struct line_rec		 l = { msg, len, off, off + len + 1, NULL, 0,
				    LINE_STREAM_NONE, 0 };
	struct record_vals	 v = { &l, "/x/app.log", 10,
				    "2026-11-22T08:00:00.123456Z", id };
	size_t			 n;
	int			 errors = 0;

	assert_non_null(t);
	assert_non_null(p);
	if (parser_run(p, msg, len, &parsed, &errors))
		v.parsed = &parsed;
	n = record_encode(t, &v, out);
	assert_true(n <= record_max(t, &v));
	out[n] = '\0';
	record_tpl_free(t);
	parser_free(p);
	return out;
}

static void
test_spec_example_shape(void **state)
{
	load(BASE "[metadata]\nkubernetes.pod.name = web-0\n"
	    "kubernetes.namespace = prod\n");
	assert_string_equal(encode(cfg, "the line", 8, 1234, NULL, NULL, 0),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\",\"message\":"
	    "\"the line\",\"log\":{\"file\":{\"path\":\"/x/app.log\"},"
	    "\"offset\":1234},\"kubernetes\":{\"pod\":{\"name\":\"web-0\"},"
	    "\"namespace\":\"prod\"}}\n");
}

static void
test_empty_keys_metadata_and_id(void **state)
{
	load(BASE "[metadata]\nteam =\nzone = eu\n[output]\nurl = https://h/\n"
	    "file_key =\noffset_key =\nid_key = log.id\n");
	assert_string_equal(encode(cfg, "m", 1, 5, "00ff", NULL, 0),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\",\"message\":\"m\","
	    "\"log\":{\"id\":\"00ff\"},\"zone\":\"eu\"}\n");
}

static void
test_field_replaces_metadata_in_place_and_labels_nest(void **state)
{
	struct config_pair	 labels[] = { { "app", "web", 0 },
				    { "app.kubernetes.io/name", "shop", 0 } };

	load("[metadata]\nkubernetes.container.name = app\nteam = a\n"
	    "[input.app]\npaths = /x/*.log\nfields.kubernetes.container.name ="
	    " envoy\nfields.team =\nfields.env = prod\n"
	    "[stdout]\nenabled = true\n[output]\nurl = https://h/\n"
	    "file_key =\noffset_key =\n");
	assert_string_equal(encode(cfg, "m", 1, 0, NULL, labels, 2),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\",\"message\":\"m\","
	    "\"kubernetes\":{\"container\":{\"name\":\"envoy\"},\"labels\":"
	    "{\"app\":\"web\",\"app.kubernetes.io/name\":\"shop\"}},"
	    "\"env\":\"prod\"}\n");
}

static void
test_cri_time_and_stream(void **state)
{
	struct record_tpl	*t;
	struct line_rec		 l = { "hi", 2, 0, 3, "2026-01-02T03:04:05.1Z",
				    22, LINE_STREAM_STDERR, 0 };
	struct record_vals	 v = { &l, "/p", 2, "2026-11-22T08:00:00.123456Z",
				    NULL };
	size_t			 n;

	load("[input.k]\npaths = /x/*.log\nparse = cri\n[stdout]\n"
	    "enabled = true\n[output]\nurl = https://h/\nfile_key =\n"
	    "offset_key =\n");
	t = record_tpl_new(cfg, &cfg->inputs[0], NULL, 0);
	n = record_encode(t, &v, out);
	out[n] = '\0';
	assert_string_equal(out, "{\"@timestamp\":\"2026-01-02T03:04:05.1Z\","
	    "\"message\":\"hi\",\"stream\":\"stderr\"}\n");
	l.stream = LINE_STREAM_NONE;
	l.time = NULL;
	n = record_encode(t, &v, out);
	out[n] = '\0';
	assert_string_equal(out, "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\""
	    ",\"message\":\"hi\"}\n");
	record_tpl_free(t);
}

static const char *
esc(const char *s, size_t len)
{
	static char	 buf[256];

	buf[record_escape(buf, s, len)] = '\0';
	return buf;
}

static void
test_escapes_and_utf8_repair(void **state)
{
	assert_string_equal(esc("a\"b\\c", 5), "a\\\"b\\\\c");
	assert_string_equal(esc("\n\r\t\b\f", 5), "\\n\\r\\t\\b\\f");
	assert_string_equal(esc("\x01\x1f\x7f", 3), "\\u0001\\u001f\\u007f");
	assert_string_equal(esc("a\0b", 3), "a\\u0000b");
	assert_string_equal(esc("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12),
	    "h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* One U+FFFD per maximal invalid subpart. */
	assert_string_equal(esc("\x80", 1), "\xef\xbf\xbd");
	assert_string_equal(esc("\xff", 1), "\xef\xbf\xbd");
	assert_string_equal(esc("\xc0\xaf", 2), "\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(esc("\xed\xa0\x80", 3),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(esc("\xf4\x90\x80\x80", 4),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(esc("\xe2\x82x", 3), "\xef\xbf\xbdx");
	assert_string_equal(esc("\xf0\x9f\x98", 3), "\xef\xbf\xbd");
}

static void
test_record_time_format(void **state)
{
	struct timespec	 ts = { 1700000000, 123456789 };
	char		 buf[RECORD_TIME_LEN + 1];

	record_time(&ts, buf);
	assert_string_equal(buf, "2023-11-14T22:13:20.123456Z");
	ts.tv_nsec = 999;
	record_time(&ts, buf);
	assert_string_equal(buf, "2023-11-14T22:13:20.000000Z");
}

static void
test_json_line_members_are_merged(void **state)
{
	const char	*line = "{\"level\":\"info\",\"message\":\"own\","
	    "\"@timestamp\":\"2020-01-01T00:00:00Z\",\"log\":\"spoof\","
	    "\"kubernetes\":{\"pod\":\"x\"},\"n\":[1,2.5e3,{\"a\":null}],"
	    "\"level\":\"dup\",\"\\u0061\":1}";

	load("[metadata]\nkubernetes.pod.name = web-0\n[input.app]\n"
	    "paths = /x/*.log\nparse = json\n[stdout]\nenabled = true\n");
	assert_string_equal(encode(cfg, line, strlen(line), 9, NULL, NULL, 0),
	    "{\"@timestamp\":\"2020-01-01T00:00:00Z\",\"message\":\"own\","
	    "\"log\":{\"file\":{\"path\":\"/x/app.log\"},\"offset\":9},"
	    "\"kubernetes\":{\"pod\":{\"name\":\"web-0\"}},\"level\":\"info\","
	    "\"n\":[1,2.5e3,{\"a\":null}],\"\\u0061\":1}\n");
}

/* A repeated member keeps its first value, the time and the message
 * included, even when the first cannot be the time (not a string). */
static void
test_json_line_repeats_keep_the_first(void **state)
{
	static char	 line[8192];
	size_t		 n = 0;
	int		 i;

	load("[input.app]\npaths = /x/*.log\nparse = json\n[stdout]\n"
	    "enabled = true\n");
	n += (size_t)snprintf(line + n, sizeof(line) - n, "{\"@timestamp\":5,"
	    "\"message\":\"m1\",\"x\":1,\"@timestamp\":\"2020-01-01\","
	    "\"message\":\"m2\",\"x\":2,\"log\":0");
	for (i = 0; i < 240; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n,
		    ",\"k%d\":%d", i % 3, i);
	snprintf(line + n, sizeof(line) - n, ",\"y\":3}");
	assert_string_equal(encode(cfg, line, strlen(line), 0, NULL, NULL, 0),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\",\"message\":"
	    "\"m1\",\"log\":{\"file\":{\"path\":\"/x/app.log\"},"
	    "\"offset\":0},\"x\":1,\"k0\":0,\"k1\":1,\"k2\":2,\"y\":3}\n");
}

/* Members are copied in runs where their text is compact; spaces
 * between them, or a member left out, end a run.  A name ends at a
 * \u0000, as a C string: "message\u0000x" repeats "message". */
static void
test_json_line_spaced_members(void **state)
{
	const char	*line = "{ \"a\" : 1 ,\"b\":2,\"c\":3, \"message\":\"m\","
	    "\"d\":4,\"message\\u0000x\":6,\"e\" :5,\"f\":\"x y\"}";

	load("[input.app]\npaths = /x/*.log\nparse = json\n[stdout]\n"
	    "enabled = true\n");
	assert_string_equal(encode(cfg, line, strlen(line), 0, NULL, NULL, 0),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\",\"message\":"
	    "\"m\",\"log\":{\"file\":{\"path\":\"/x/app.log\"},"
	    "\"offset\":0},\"a\":1,\"b\":2,\"c\":3,\"d\":4,"
	    "\"e\":5,\"f\":\"x y\"}\n");
}

static void
test_json_line_without_message_keeps_the_line(void **state)
{
	const char	*line = " {\"a\":1} ";

	load("[input.app]\npaths = /x/*.log\nparse = json\n[stdout]\n"
	    "enabled = true\n[output]\nurl = https://h/\nfile_key =\n"
	    "offset_key =\n");
	assert_string_equal(encode(cfg, line, strlen(line), 0, NULL, NULL, 0),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\",\"message\":"
	    "\" {\\\"a\\\":1} \",\"a\":1}\n");
}

static void
test_not_quite_json_is_a_plain_message(void **state)
{
	static const char	*bad[] = { "{\"a\":1,}", "{'a':1}", "[1]",
	    "{\"a\":01}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\x01\"}",
	    "{\"a\":\"\xff\"}", "{\"a\":1}{}", "{\"a\":tru}", "{\"a\" 1}" };
	char			 deep[300];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(json_valid(bad[i], strlen(bad[i])) &&
		    bad[i][0] == '{');
	memset(deep, '[', 150);
	memset(deep + 150, ']', 150);
	assert_false(json_valid(deep, 300));
	assert_true(json_valid(deep + 100, 100));
	assert_true(json_valid("{\"a\":\"\\ud83d\\ude00\",\"b\":-0.5E+2}",
	    strlen("{\"a\":\"\\ud83d\\ude00\",\"b\":-0.5E+2}")));
}

/* Random bytes through plain and json templates: always one valid JSON
 * object per record, never beyond record_max(). */
static void
test_random_bytes_always_give_valid_json(void **state)
{
	static char		 msg[4096];
	static struct parsed	 parsed;
	struct record_tpl	*plain, *js;
	struct parser		*p;
	struct line_rec		 l;
	struct record_vals	 v = { &l, "/x/\x01\xff.log", 9,
				    "2026-11-22T08:00:00.123456Z", NULL };
	uint64_t		 x = 0x2545f4914f6cdd1dULL;
	size_t			 n, len, i;
	int			 it, errors = 0;

	load("[metadata]\nk = v\n[input.a]\npaths = /x/*.log\n"
	    "[input.b]\npaths = /y/*.log\nparse = json\n[stdout]\n"
	    "enabled = true\n");
	plain = record_tpl_new(cfg, &cfg->inputs[0], NULL, 0);
	js = record_tpl_new(cfg, &cfg->inputs[1], NULL, 0);
	p = parser_new(cfg, &cfg->inputs[1]);
	assert_non_null(p);
	for (it = 0; it < 5000; it++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = x % sizeof(msg);
		for (i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			msg[i] = it % 3 == 0 ? "{}\":,[]a1\\u"[x % 12] :
			    (char)(x >> 24);
		}
		if (it % 5 == 0 && len > 2) {
			msg[0] = '{';
			msg[len - 1] = '}';
		}
		memset(&l, 0, sizeof(l));
		l.msg = msg;
		l.len = len;
		v.parsed = (it & 1) && parser_run(p, msg, len, &parsed,
		    &errors) ? &parsed : NULL;
		n = record_encode(it & 1 ? js : plain, &v, out);
		assert_true(n <= record_max(it & 1 ? js : plain, &v));
		assert_int_equal(out[n - 1], '\n');
		assert_true(json_valid(out, n - 1));
	}
	record_tpl_free(plain);
	record_tpl_free(js);
	parser_free(p);
}

static int
done(void **state)
{
	config_free(cfg);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example_shape),
		cmocka_unit_test(test_empty_keys_metadata_and_id),
		cmocka_unit_test(
		    test_field_replaces_metadata_in_place_and_labels_nest),
		cmocka_unit_test(test_cri_time_and_stream),
		cmocka_unit_test(test_escapes_and_utf8_repair),
		cmocka_unit_test(test_record_time_format),
		cmocka_unit_test(test_json_line_members_are_merged),
		cmocka_unit_test(test_json_line_repeats_keep_the_first),
		cmocka_unit_test(test_json_line_spaced_members),
		cmocka_unit_test(test_json_line_without_message_keeps_the_line),
		cmocka_unit_test(test_not_quite_json_is_a_plain_message),
		cmocka_unit_test(test_random_bytes_always_give_valid_json),
	};

	return cmocka_run_group_tests(tests, NULL, done);
}
