/*
 * test_parse.c: the parse stage: logfmt's grammar and edge cases, regex
 * groups by name, time.key and level.key, and what reaches the record
 * (merged fields, the event's time, log.level, errors counted).
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
#include "logfmt.h"
#include "parse.h"
#include "record.h"
#include "testcfg.h"

static char		 out[1 << 20];
static struct parsed	 parsed;

/* logfmt_json() of a C string, as a C string ("" when not logfmt). */
static const char *
lf(const char *s)
{
	size_t	 n = logfmt_json(s, strlen(s), out, NULL);

	assert_true(n <= LOGFMT_MAX(strlen(s)));
	if (n > 0)
		assert_true(json_valid(out, n));
	out[n] = '\0';
	return out;
}

static void
test_logfmt_pairs_quotes_and_flags(void **state)
{
	assert_string_equal(lf("level=info msg=\"hello world\" n=3"),
	    "{\"level\":\"info\",\"msg\":\"hello world\",\"n\":\"3\"}");
	assert_string_equal(lf("  a=1\tb=  c"),
	    "{\"a\":\"1\",\"b\":\"\",\"c\":true}");
	assert_string_equal(lf("debug a=1"), "{\"debug\":true,\"a\":\"1\"}");
	assert_string_equal(lf("a=\"\""), "{\"a\":\"\"}");
	assert_string_equal(lf("a= b=2"), "{\"a\":\"\",\"b\":\"2\"}");
	assert_string_equal(lf("url=/p?x=1&y=\"z\""),
	    "{\"url\":\"/p?x=1&y=\\\"z\\\"\"}");
	assert_string_equal(lf("a=1\r"), "{\"a\":\"1\"}");
}

static void
test_logfmt_escapes(void **state)
{
	assert_string_equal(lf("m=\"say \\\"hi\\\"\\n\\ttab \\\\ \\/\""),
	    "{\"m\":\"say \\\"hi\\\"\\n\\ttab \\\\ /\"}");
	assert_string_equal(lf("m=\"\\u00e9t\\u00E9\""),
	    "{\"m\":\"\\u00e9t\\u00E9\"}");
	/* A pair stays; a lone surrogate, high or low, is U+FFFD. */
	assert_string_equal(lf("m=\"\\ud83d\\ude00 \\ud83d \\udddd\\u0041\""),
	    "{\"m\":\"\\ud83d\\ude00 \\ufffd \\ufffd\\u0041\"}");
	/* Raw control bytes and bad UTF-8 inside quotes and bare values. */
	assert_string_equal(lf("m=\"a\x01" "b\" k=\xff"),
	    "{\"m\":\"a\\u0001b\",\"k\":\"\xef\xbf\xbd\"}");
	assert_string_equal(lf("\xc3\xa9=\xc3\xa9"),
	    "{\"\xc3\xa9\":\"\xc3\xa9\"}");
}

static void
test_logfmt_rejects(void **state)
{
	assert_string_equal(lf(""), "");
	assert_string_equal(lf("just some text"), "");	/* no pair */
	assert_string_equal(lf("a=\"open"), "");
	assert_string_equal(lf("a=\"x\"y"), "");
	assert_string_equal(lf("a=\"\\q\""), "");
	assert_string_equal(lf("a=\"\\u12\""), "");
	assert_string_equal(lf("=v"), "");
	assert_string_equal(lf("a=1 \"b\"=2"), "");
	assert_string_equal(lf("a\x01=1"), "");
	assert_string_equal(lf("a=\"x\\"), "");
}

/* Every byte pattern: valid JSON or 0, within LOGFMT_MAX. */
static void
test_logfmt_random_bytes(void **state)
{
	static const char	 alpha[] = "a=\" \\\tu0\x01\xc3\xff";
	char			 msg[256];
	uint64_t		 x = 0x9e3779b97f4a7c15ULL;
	size_t			 len, i, n;
	int			 it;

	for (it = 0; it < 20000; it++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		len = x % sizeof(msg);
		for (i = 0; i < len; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			msg[i] = alpha[x % (sizeof(alpha) - 1)];
		}
		n = logfmt_json(msg, len, out, NULL);
		assert_true(n <= LOGFMT_MAX(len));
		if (n > 0)
			assert_true(json_valid(out, n));
	}
}

#define IN "[stdout]\nenabled = true\n[output]\nurl = https://h/\n" \
	"file_key =\noffset_key =\n[input.a]\npaths = /x/*.log\n"

/* The record of one message under the first input of cfg; *errors
 * counts up as the parse stage counts. */
static const char *
rec(const char *msg, int *errors)
{
	struct parser		*p = parser_new(cfg, &cfg->inputs[0]);
	struct record_tpl	*t = record_tpl_new(cfg, &cfg->inputs[0], NULL,
				    0);
	struct line_rec		 l = { msg, strlen(msg), 0, strlen(msg) + 1,
				    NULL, 0, LINE_STREAM_NONE, 0 };
	struct record_vals	 v = { &l, "/x/a.log", 8,
				    "2026-11-22T08:00:00.123456Z", NULL };
	size_t			 n;

	assert_non_null(p);
	assert_non_null(t);
	if (parser_run(p, msg, strlen(msg), &parsed, errors))
		v.parsed = &parsed;
	n = record_encode(t, &v, out);
	assert_true(n <= record_max(t, &v));
	assert_true(json_valid(out, n - 1));
	out[n - 1] = '\0';
	record_tpl_free(t);
	parser_free(p);
	return out;
}

static void
test_logfmt_merged_into_the_record(void **state)
{
	int	 e = 0;

	load(IN "parse = logfmt\n");
	assert_string_equal(rec("level=warn message=\"disk full\" a=1 a=2",
	    &e), "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"disk full\",\"level\":\"warn\",\"a\":\"1\"}");
	assert_int_equal(e, 0);
	/* Not logfmt: the line as it is, counted. */
	assert_string_equal(rec("plain words", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"plain words\"}");
	assert_int_equal(e, 1);
	/* A field may not pose as one of sidelog's keys. */
	load(IN "parse = logfmt\n[metadata]\nkubernetes.pod.name = p\n");
	assert_string_equal(rec("kubernetes=evil x=1", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"kubernetes=evil x=1\",\"kubernetes\":{\"pod\":"
	    "{\"name\":\"p\"}},\"x\":\"1\"}");
}

static void
test_parse_message_takes_the_lines_place(void **state)
{
	int	 e = 0;

	load(IN "parse = logfmt\nparse.message = msg\n");
	assert_string_equal(rec("level=info msg=\"user logged in\" "
	    "message=x id=7", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"user logged in\",\"level\":\"info\",\"id\":\"7\"}");
	/* Without it in the line, the line stays the message. */
	assert_string_equal(rec("level=info id=7", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"level=info id=7\",\"level\":\"info\","
	    "\"id\":\"7\"}");
	assert_int_equal(e, 0);
}

static void
test_regex_groups_by_name(void **state)
{
	int	 e = 0;

	load(IN "parse = regex\nparse.regex = ^([0-9.]+) (GET|POST) "
	    "([^ ]*)( ([0-9]+))?$\nparse.fields = client, method, path, "
	    "rest, status\n");
	assert_string_equal(rec("10.0.0.1 GET /a\"b 200", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"10.0.0.1 GET /a\\\"b 200\",\"client\":\"10.0.0.1\","
	    "\"method\":\"GET\",\"path\":\"/a\\\"b\",\"rest\":\" 200\","
	    "\"status\":\"200\"}");
	/* A group that took no part is left out. */
	assert_string_equal(rec("10.0.0.1 POST /x", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"10.0.0.1 POST /x\",\"client\":\"10.0.0.1\","
	    "\"method\":\"POST\",\"path\":\"/x\"}");
	assert_int_equal(e, 0);
	assert_string_equal(rec("nope", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"nope\"}");
	assert_int_equal(e, 1);
	/* A group named like message_key is the message. */
	load(IN "parse = regex\nparse.regex = ^\\[([a-z]+)\\] (.*)$\n"
	    "parse.fields = lvl, message\n");
	assert_string_equal(rec("[info] started", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"started\",\"lvl\":\"info\"}");
}

static void
test_time_key_becomes_the_record_time(void **state)
{
	int	 e = 0;

	load(IN "parse = logfmt\ntime.key = ts\n");
	assert_string_equal(rec("ts=2024-02-29T23:30:00.5+01:00 a=1", &e),
	    "{\"@timestamp\":\"2024-02-29T22:30:00.500000Z\","
	    "\"message\":\"ts=2024-02-29T23:30:00.5+01:00 a=1\","
	    "\"ts\":\"2024-02-29T23:30:00.5+01:00\",\"a\":\"1\"}");
	assert_int_equal(e, 0);
	/* Garbage keeps the read time, and counts. */
	rec("ts=yesterday a=1", &e);
	assert_non_null(strstr(out, "\"@timestamp\":\"2026-11-22T08:00:00."
	    "123456Z\""));
	assert_int_equal(e, 1);
	/* Absent: not an error. */
	rec("a=1", &e);
	assert_int_equal(e, 1);
	/* JSON numbers by magnitude, and a pattern. */
	load(IN "parse = json\ntime.key = t\n");
	rec("{\"t\":1700000000123,\"m\":1}", &e);
	assert_non_null(strstr(out, "\"@timestamp\":\"2023-11-14T22:13:20."
	    "123000Z\""));
	load(IN "parse = json\ntime.key = t\n"
	    "time.format = %d/%b/%Y:%H:%M:%S %z\n");
	rec("{\"t\":\"03\\/Dec\\/2026:10:00:00 -0200\"}", &e);
	assert_non_null(strstr(out, "\"@timestamp\":\"2026-12-03T12:00:00."
	    "000000Z\""));
	assert_int_equal(e, 1);
}

static void
test_level_key_becomes_log_level(void **state)
{
	int	 e = 0;

	load(IN "parse = json\nlevel.key = severity\n");
	assert_string_equal(rec("{\"severity\":\"WARNING\",\"x\":1}", &e),
	    "{\"@timestamp\":\"2026-11-22T08:00:00.123456Z\","
	    "\"message\":\"{\\\"severity\\\":\\\"WARNING\\\",\\\"x\\\":1}\","
	    "\"log\":{\"level\":\"warn\"},\"severity\":\"WARNING\",\"x\":1}");
	rec("{\"severity\":50}", &e);
	assert_non_null(strstr(out, "\"log\":{\"level\":\"error\"}"));
	/* Unknown: as written. */
	rec("{\"severity\":\"chatty\"}", &e);
	assert_non_null(strstr(out, "\"log\":{\"level\":\"chatty\"}"));
	rec("{\"severity\":77}", &e);
	assert_non_null(strstr(out, "\"log\":{\"level\":\"77\"}"));
	/* No level: no log.level. */
	rec("{\"x\":1}", &e);
	assert_null(strstr(out, "level"));
	assert_int_equal(e, 0);
	/* Beside file and offset, after them. */
	load("[stdout]\nenabled = true\n[input.a]\npaths = /x/*.log\n"
	    "parse = logfmt\nlevel.key = lvl\n");
	rec("lvl=E", &e);
	assert_non_null(strstr(out, "\"log\":{\"file\":{\"path\":\"/x/a.log\"},"
	    "\"offset\":0,\"level\":\"error\"}"));
	rec("x=1", &e);
	assert_non_null(strstr(out, "\"log\":{\"file\":{\"path\":\"/x/a.log\"},"
	    "\"offset\":0}"));
}

static int
done(void **state)
{
	config_free(cfg);
	cfg = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_logfmt_pairs_quotes_and_flags),
		cmocka_unit_test(test_logfmt_escapes),
		cmocka_unit_test(test_logfmt_rejects),
		cmocka_unit_test(test_logfmt_random_bytes),
		cmocka_unit_test(test_logfmt_merged_into_the_record),
		cmocka_unit_test(test_parse_message_takes_the_lines_place),
		cmocka_unit_test(test_regex_groups_by_name),
		cmocka_unit_test(test_time_key_becomes_the_record_time),
		cmocka_unit_test(test_level_key_becomes_log_level),
	};

	return cmocka_run_group_tests(tests, NULL, done);
}
