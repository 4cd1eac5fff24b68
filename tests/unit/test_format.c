/*
 * test_format.c: the otlp, loki and splunk_hec encoders byte for byte
 * (key order, time conversions, AnyValues, label names), hostile bytes
 * in every place a value goes (message, path, metadata, labels, fields,
 * a JSON line's members) always giving valid JSON, Loki's streams
 * grouped in time order, empty and maximal batches, and the OTLP reply.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "format.h"
#include "json.h"
#include "parse.h"
#include "testcfg.h"
#include "timestamp.h"

#define READ	"2026-11-22T08:00:00.123456Z"
#define READ_NS	"1795334400123456000"

static struct {
	const struct format_ops	*f;
	void			*st;
	struct batch_frame	 fr;
	struct record_tpl	*tpl;
	struct parser		*parser;
	struct parsed		 parsed;
	struct format_buf	 json, out;
	char			 text[1 << 16];
} fx;

static void
setup(const char *ini, const struct labels *lb)
{
	load(ini);
	record_tpl_free(fx.tpl);
	parser_free(fx.parser);
	fx.parser = cfg->inputs[0].parse == PARSE_NONE ? NULL :
	    parser_new(cfg, &cfg->inputs[0]);
	if (fx.f != NULL && fx.f->close != NULL)
		fx.f->close(fx.st);
	memset(&fx.fr, 0, sizeof(fx.fr));
	fx.f = format_of(&cfg->output);
	fx.st = fx.f->open(cfg, lb, &fx.fr);
	assert_non_null(fx.st);
	fx.tpl = fx.f->context_apart ? record_tpl_local(cfg, &cfg->inputs[0]) :
	    record_tpl_new(cfg, &cfg->inputs[0], lb ? lb->pairs : NULL,
	    lb ? lb->n : 0);
	assert_non_null(fx.tpl);
}

/* One record of msg (len bytes), read at READ from path, as the format
 * makes it, NUL-terminated. */
static const char *
make_line(const char *msg, size_t len, const char *path, const char *id,
    const char *crit)
{
	struct line_rec		 l = { msg, len, 7, 7 + len + 1, crit,
				    crit ? strlen(crit) : 0, LINE_STREAM_NONE,
				    0 };
	struct record_vals	 v = { &l, path, strlen(path), READ, id };
	struct format_in	 in = { fx.st, &cfg->output, fx.tpl, &v,
				    &fx.json };
	int			 errors = 0;

	if (fx.parser != NULL && parser_run(fx.parser, msg, len, &fx.parsed,
	    &errors))
		v.parsed = &fx.parsed;
	fx.out.len = 0;
	assert_int_equal(fx.f->make(&in, &fx.out), 0);
	assert_true(fx.out.len < sizeof(fx.text));
	memcpy(fx.text, fx.out.p, fx.out.len);
	fx.text[fx.out.len] = '\0';
	return fx.text;
}

static const char *
make(const char *msg)
{
	return make_line(msg, strlen(msg), "/x/app.log", NULL, NULL);
}

#define IN	"[input.app]\npaths = /x/*.log\n"
#define OTLP	"[output]\n" \
		"url = https://h/v1/logs\nformat = otlp\n"

static void
test_otlp_frame_holds_metadata_and_labels(void **state)
{
	struct config_pair	 pairs[] = { { "app", "web", 0 },
				    { "q\"", "v\n", 0 } };
	struct labels		 lb = { pairs, 2, NULL };
	char			 head[1024];

	setup(OTLP "[metadata]\nk8s.pod.name = web-0\nempty =\n"
	    "k8s.namespace.name = prod\n" IN, &lb);
	snprintf(head, sizeof(head), "%.*s", (int)fx.fr.headlen, fx.fr.head);
	assert_string_equal(head, "{\"resourceLogs\":[{\"resource\":"
	    "{\"attributes\":[{\"key\":\"k8s.pod.name\",\"value\":"
	    "{\"stringValue\":\"web-0\"}},{\"key\":\"k8s.namespace.name\","
	    "\"value\":{\"stringValue\":\"prod\"}},{\"key\":"
	    "\"k8s.pod.label.app\",\"value\":{\"stringValue\":\"web\"}},"
	    "{\"key\":\"k8s.pod.label.q\\\"\",\"value\":{\"stringValue\":"
	    "\"v\\n\"}}]},\"scopeLogs\":[{\"scope\":{\"name\":\"sidelog\","
	    "\"version\":\"" SIDELOG_VERSION "\"},\"logRecords\":[");
	assert_int_equal(fx.fr.seplen, 1);
	assert_string_equal(fx.fr.tail, "]}]}]}");
}

static void
test_otlp_record_shape(void **state)
{
	setup(OTLP "id_key = log.id\n[metadata]\nk8s.pod.name = web-0\n"
	    IN "fields.env = prod\n", NULL);
	assert_string_equal(make_line("the line", 8, "/x/app.log", "00ff",
	    NULL),
	    "{\"timeUnixNano\":\"" READ_NS "\",\"observedTimeUnixNano\":\""
	    READ_NS "\",\"body\":{\"stringValue\":\"the line\"},"
	    "\"attributes\":[{\"key\":\"log.record.uid\",\"value\":"
	    "{\"stringValue\":\"00ff\"}},{\"key\":\"log.file.path\","
	    "\"value\":{\"stringValue\":\"/x/app.log\"}},{\"key\":"
	    "\"log.offset\",\"value\":{\"intValue\":\"7\"}},{\"key\":\"env\","
	    "\"value\":{\"stringValue\":\"prod\"}}]}");
}

static void
test_otlp_json_members_become_any_values(void **state)
{
	const char	*s;

	setup(OTLP "file_key =\noffset_key =\n" IN "parse = json\n",
	    NULL);
	s = make("{\"message\":{\"a\":[1,2.5,true,null]},\"i\":-9223372036854775808,"
	    "\"big\":18446744073709551616,\"inf\":1e999,\"o\":{\"p\":{\"q\":\"x\"}},"
	    "\"@timestamp\":\"2026-01-02T03:04:05.5+02:00\"}");
	assert_string_equal(s,
	    "{\"timeUnixNano\":\"1767315845500000000\","
	    "\"observedTimeUnixNano\":\"" READ_NS "\",\"body\":"
	    "{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":"
	    "{\"arrayValue\":{\"values\":[{\"intValue\":\"1\"},"
	    "{\"doubleValue\":2.5},{\"boolValue\":true},{}]}}}]}},"
	    "\"attributes\":[{\"key\":\"i\",\"value\":{\"intValue\":"
	    "\"-9223372036854775808\"}},{\"key\":\"big\",\"value\":"
	    "{\"doubleValue\":18446744073709551616}},{\"key\":\"inf\","
	    "\"value\":{\"stringValue\":\"1e999\"}},{\"key\":\"o.p.q\","
	    "\"value\":{\"stringValue\":\"x\"}}]}");
}

static void
test_otlp_time_not_rfc3339_is_kept_as_attribute(void **state)
{
	setup(OTLP "file_key =\noffset_key =\n" IN "parse = json\n",
	    NULL);
	assert_string_equal(make("{\"@timestamp\":\"yesterday\",\"m\":1}"),
	    "{\"observedTimeUnixNano\":\"" READ_NS "\",\"body\":"
	    "{\"stringValue\":\"{\\\"@timestamp\\\":\\\"yesterday\\\","
	    "\\\"m\\\":1}\"},\"attributes\":[{\"key\":\"@timestamp\","
	    "\"value\":{\"stringValue\":\"yesterday\"}},{\"key\":\"m\","
	    "\"value\":{\"intValue\":\"1\"}}]}");
}

static enum format_read
otlp_reply(const char *body, struct format_reply *r)
{
	memset(r, 0, sizeof(*r));
	return format_otlp.reply(&cfg->output, body, strlen(body), 0, r);
}

static void
test_otlp_partial_success_counts_refused(void **state)
{
	struct format_reply	 r;

	setup(OTLP IN, NULL);
	assert_int_equal(otlp_reply("{\"partialSuccess\":{\"rejectedLogRecords"
	    "\":\"3\",\"errorMessage\":\"too old\"}}", &r), FORMAT_READ);
	assert_int_equal(r.refused, 3);
	assert_string_equal(r.message, "too old");
	assert_int_equal(otlp_reply("{\"partialSuccess\":{\"rejectedLogRecords"
	    "\":2}}", &r), FORMAT_READ);
	assert_int_equal(r.refused, 2);
	assert_int_equal(otlp_reply("{\"partialSuccess\":{}}", &r), FORMAT_READ);
	assert_int_equal(r.refused, 0);
	assert_int_equal(otlp_reply("", &r), FORMAT_READ);
	assert_int_equal(r.refused, 0);
	assert_int_equal(otlp_reply("<html>502</html>", &r), FORMAT_READ);
	assert_int_equal(r.refused, 0);
	assert_int_equal(otlp_reply("{\"partialSuccess\":{\"rejectedLogRecords"
	    "\":\"-1\"}}", &r), FORMAT_READ);
	assert_int_equal(r.refused, 0);
}

#define LOKI	"[output]\n" \
		"url = https://h/loki/api/v1/push\nformat = loki\n"

static void
test_loki_record_shape(void **state)
{
	setup(LOKI "offset_key =\n[metadata]\nkubernetes.namespace = prod\n"
	    "kubernetes.container.name = app\nkubernetes.pod.name = web-0\n" IN,
	    NULL);
	assert_string_equal(make("the line"),
	    "{\"stream\":{\"kubernetes_namespace\":\"prod\","
	    "\"kubernetes_container_name\":\"app\"},\"values\":[[\"" READ_NS
	    "\",\"the line\",{\"log.file.path\":\"/x/app.log\","
	    "\"kubernetes.pod.name\":\"web-0\"}]]}");
}

static void
test_loki_line_record_and_no_label(void **state)
{
	setup(LOKI "loki.line = record\nloki.labels = 0x.y, nope\n"
	    "file_key =\noffset_key =\n[metadata]\n0x.y = 7\n" IN, NULL);
	assert_string_equal(make("m"),
	    "{\"stream\":{\"_0x_y\":\"7\"},\"values\":[[\"" READ_NS "\","
	    "\"{\\\"@timestamp\\\":\\\"" READ "\\\",\\\"message\\\":\\\"m\\\","
	    "\\\"0x\\\":{\\\"y\\\":\\\"7\\\"}}\"]]}");
	setup(LOKI "loki.labels = nope\nfile_key =\noffset_key =\n" IN, NULL);
	assert_string_equal(make("m"), "{\"stream\":{\"job\":\"sidelog\"},"
	    "\"values\":[[\"" READ_NS "\",\"m\"]]}");
}

/* Whether [p, p+len) is one JSON value, however many values it holds
 * (json_valid() stops at a line's JSON_MAX_TOKENS). */
static int
one_value(const char *p, size_t len)
{
	struct json_cur	 c;

	json_cur_init(&c, p, len, INT_MAX);
	return json_skip(&c) == 0 && json_done(&c);
}

/* Records made one by one into a framed body, then grouped; the
 * result is kept until the next call. */
static const char *
grouped(const char *const *msgs, const char *const *times, int n)
{
	static char	*out;
	char		*raw;
	uint32_t	*ends;
	size_t		 len = fx.fr.headlen, cap = 1 << 16;
	ssize_t		 g;
	int		 i;

	raw = malloc(cap);
	ends = calloc((size_t)n, sizeof(*ends));
	assert_non_null(raw);
	assert_non_null(ends);
	memcpy(raw, fx.fr.head, fx.fr.headlen);
	for (i = 0; i < n; i++) {
		make_line(msgs[i], strlen(msgs[i]), "/p", NULL, times[i]);
		if (len + strlen(fx.text) + 16 > cap) {
			cap *= 2;
			raw = realloc(raw, cap);
			assert_non_null(raw);
		}
		if (i > 0) {
			memcpy(raw + len, fx.fr.sep, fx.fr.seplen);
			len += fx.fr.seplen;
		}
		memcpy(raw + len, fx.text, strlen(fx.text));
		len += strlen(fx.text);
		ends[i] = (uint32_t)len;
	}
	memcpy(raw + len, fx.fr.tail, fx.fr.taillen);
	len += fx.fr.taillen;
	free(out);
	out = malloc(len + 1);
	assert_non_null(out);
	g = fx.fr.group(raw, ends, n, &fx.fr, out);
	assert_true(g > 0 && (size_t)g <= len);
	out[g] = '\0';
	assert_true(one_value(out, (size_t)g));
	free(raw);
	free(ends);
	return out;
}

static void
test_loki_streams_grouped_in_time_order(void **state)
{
	const char *msgs[] = { "{\"app\":\"a\",\"message\":\"1\"}",
	    "{\"app\":\"b\",\"message\":\"2\"}",
	    "{\"app\":\"a\",\"message\":\"3\"}",
	    "{\"app\":\"a\",\"message\":\"4\"}" };
	const char *times[] = { "2026-01-01T00:00:03Z", "2026-01-01T00:00:01Z",
	    "2026-01-01T00:00:01Z", "2026-01-01T00:00:03Z" };

	setup(LOKI "loki.labels = app\nfile_key =\noffset_key =\n"
	    IN "parse = json\n", NULL);
	assert_string_equal(grouped(msgs, times, 4), "{\"streams\":["
	    "{\"stream\":{\"app\":\"a\"},\"values\":["
	    "[\"1767225601000000000\",\"3\"],[\"1767225603000000000\",\"1\"],"
	    "[\"1767225603000000000\",\"4\"]]},"
	    "{\"stream\":{\"app\":\"b\"},\"values\":["
	    "[\"1767225601000000000\",\"2\"]]}]}");
}

static void
test_loki_one_record_and_many_streams(void **state)
{
	static char	 bufs[10000][64];
	static const char *msgs[10000], *times[10000];
	const char	*one[] = { "solo" }, *t1[] = { NULL };
	const char	*s;
	int		 i;

	setup(LOKI "loki.labels = n\nfile_key =\noffset_key =\n"
	    IN "parse = json\n", NULL);
	assert_string_equal(grouped(one, t1, 1), "{\"streams\":[{\"stream\":"
	    "{\"job\":\"sidelog\"},\"values\":[[\"" READ_NS "\",\"solo\"]]}]}");
	/* A maximal batch (batch_max_records' default), 7 streams, each
	 * record's time going back: each stream once, its values sorted. */
	for (i = 0; i < 10000; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "{\"n\":%d,\"@timestamp\":"
		    "\"2026-01-01T00:00:00.%06dZ\"}", i % 7, 9999 - i);
		msgs[i] = bufs[i];
		times[i] = NULL;
	}
	s = grouped(msgs, times, 10000);
	for (i = 0; i < 7; i++) {
		char	 want[32];

		snprintf(want, sizeof(want), "{\"n\":\"%d\"}", i);
		assert_non_null(strstr(s, want));
		assert_null(strstr(strstr(s, want) + 1, want));
	}
}

#define HEC	"[output]\n" \
		"url = https://h/services/collector/event\n" \
		"format = splunk_hec\nid_seed = web-0\n"

static void
test_hec_envelope_shape(void **state)
{
	setup(HEC "[metadata]\nkubernetes.namespace = prod\n" IN, NULL);
	assert_string_equal(make("the line"),
	    "{\"time\":1795334400.123456,\"host\":\"web-0\",\"source\":"
	    "\"/x/app.log\",\"sourcetype\":\"sidelog\",\"event\":\"the line\","
	    "\"fields\":{\"log.offset\":\"7\",\"kubernetes.namespace\":"
	    "\"prod\"}}\n");
	setup(HEC "hec.index = main\nhec.sourcetype = app:log\nfile_key =\n"
	    "offset_key =\n" IN "parse = json\n", NULL);
	assert_string_equal(make("{\"message\":{\"k\":[1]},\"n\":2.5}"),
	    "{\"time\":1795334400.123456,\"host\":\"web-0\",\"source\":"
	    "\"/x/app.log\",\"sourcetype\":\"app:log\",\"index\":\"main\","
	    "\"event\":{\"k\":[1]},\"fields\":{\"n\":\"2.5\"}}\n");
}

/* Every byte value in every place a value goes: valid JSON out. */
static void
test_hostile_bytes_anywhere_give_valid_json(void **state)
{
	static const char *const ini[] = { OTLP, LOKI, HEC };
	struct config_pair	 pairs[] = { { "l\x01\xff", "v\"\\\x7f\xc3", 0 } };
	struct labels		 lb = { pairs, 1, NULL };
	char			 msg[256], path[300], text[2048];
	size_t			 i, k;
	const char		*s;

	for (i = 0; i < 256; i++)
		msg[i] = (char)i;
	snprintf(path, sizeof(path), "/x/\xe2\x80\xa8\"\\%.*s", 40, msg + 1);
	for (k = 0; k < 3; k++) {
		snprintf(text, sizeof(text), "%sloki.labels = l\xff,f\n"
		    "[metadata]\nm\"\\ = \x01\xc0\xaf\n" IN
		    "fields.f = \xed\xa0\x80\n", ini[k]);
		setup(text, &lb);
		s = make_line(msg, sizeof(msg), path, "abc", NULL);
		assert_true(json_valid(s, strlen(s)));
		s = make_line(msg, 0, path, NULL, "not a time\x01");
		assert_true(json_valid(s, strlen(s)));
		/* The frame alone (no records) is JSON too. */
		snprintf(text, sizeof(text), "%.*s%.*s", (int)fx.fr.headlen,
		    fx.fr.head ? fx.fr.head : "", (int)fx.fr.taillen,
		    fx.fr.tail ? fx.fr.tail : "");
		assert_true(k == 2 || json_valid(text, strlen(text)));
	}
}

static void
test_rfc3339(void **state)
{
	static const struct {
		const char	*s;
		uint64_t	 ns;
	} ok[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-11-22T08:00:00.123456Z", 1795334400123456000ULL },
		{ "2026-11-22t08:00:00.1234567891z", 1795334400123456789ULL },
		{ "2026-11-22 10:00:00+02:00", 1795334400000000000ULL },
		{ "2026-11-22T07:30:00-00:30", 1795334400000000000ULL },
		{ "2024-02-29T00:00:00Z", 1709164800000000000ULL },
		{ "2016-12-31T23:59:60Z", 1483228799999999999ULL },
	};
	static const char *const bad[] = { "", "2026-11-22T08:00:00",
	    "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-22T24:00:00Z",
	    "2026-11-22T08:00:00.Z", "2026-11-22T08:00:00+2:00",
	    "1969-12-31T23:59:59Z", "2026-11-22T08:00:00Zjunk",
	    "2026/11/22T08:00:00Z", "99999-01-01T00:00:00Z",
	    "2600-01-01T00:00:00Z" };
	uint64_t	 ns;
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(timestamp_rfc3339(ok[i].s, strlen(ok[i].s),
		    &ns), 0);
		assert_true(ns == ok[i].ns);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(timestamp_rfc3339(bad[i], strlen(bad[i]), &ns),
		    -1);
}

static int
teardown(void **state)
{
	if (fx.f != NULL && fx.f->close != NULL)
		fx.f->close(fx.st);
	record_tpl_free(fx.tpl);
	parser_free(fx.parser);
	format_buf_free(&fx.json);
	format_buf_free(&fx.out);
	config_free(cfg);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_otlp_frame_holds_metadata_and_labels),
		cmocka_unit_test(test_otlp_record_shape),
		cmocka_unit_test(test_otlp_json_members_become_any_values),
		cmocka_unit_test(test_otlp_time_not_rfc3339_is_kept_as_attribute),
		cmocka_unit_test(test_otlp_partial_success_counts_refused),
		cmocka_unit_test(test_loki_record_shape),
		cmocka_unit_test(test_loki_line_record_and_no_label),
		cmocka_unit_test(test_loki_streams_grouped_in_time_order),
		cmocka_unit_test(test_loki_one_record_and_many_streams),
		cmocka_unit_test(test_hec_envelope_shape),
		cmocka_unit_test(test_hostile_bytes_anywhere_give_valid_json),
		cmocka_unit_test(test_rfc3339),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
