/*
 * test_bulk.c: reading _bulk replies item by item.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bulk.h"

static int	 st[8];
static char	 type[8][BULK_ERRTYPE];

static int
parse(const char *body, int n)
{
	return bulk_parse(body, strlen(body), st, type, n);
}

static void
test_all_created(void **state)
{
	assert_int_equal(parse("{\"took\":3,\"errors\":false,\"items\":["
	    "{\"create\":{\"_index\":\"logs\",\"_id\":\"a\",\"status\":201}},"
	    "{\"create\":{\"_index\":\"logs\",\"_id\":\"b\",\"status\":201}}]}",
	    2), 0);
	assert_int_equal(st[0], 201);
	assert_int_equal(st[1], 201);
	assert_string_equal(type[0], "");
}

static void
test_item_errors_keep_status_and_type(void **state)
{
	assert_int_equal(parse(" { \"errors\" : true , \"items\" : [ "
	    "{\"create\":{\"status\":409,\"error\":{\"type\":"
	    "\"version_conflict_engine_exception\",\"reason\":\"x \\\" y\"}}},"
	    "{\"index\":{\"_shards\":{\"total\":2},\"status\":429,\"error\":"
	    "{\"reason\":\"busy\",\"type\":\"es_rejected_execution_exception\""
	    ",\"caused_by\":{\"type\":\"x\"}}}},"
	    "{\"create\":{\"status\":400,\"error\":\"plain string\"}} ],"
	    "\"took\":1}", 3), 0);
	assert_int_equal(st[0], 409);
	assert_string_equal(type[0], "version_conflict_engine_exception");
	assert_int_equal(st[1], 429);
	assert_string_equal(type[1], "es_rejected_execution_exception");
	assert_int_equal(st[2], 400);
	assert_string_equal(type[2], "");
}

static void
test_item_count_must_match(void **state)
{
	const char *r = "{\"errors\":false,\"items\":[{\"create\":"
	    "{\"status\":201}}]}";

	assert_int_equal(parse(r, 2), -1);
	assert_int_equal(parse(r, 0), -1);
	assert_int_equal(parse(r, 1), 0);
}

static void
test_garbage_and_cut_replies_are_errors(void **state)
{
	static const char	*bad[] = { "", "{", "[]", "null", "<html>",
	    "{\"items\":[{\"create\":{\"status\":201}}",
	    "{\"items\":[{\"create\":{\"_id\":\"a\"}}]}",
	    "{\"items\":[{\"create\":{\"status\":\"201\"}}]}",
	    "{\"errors\":false}",
	    "{\"errors\":f#alse,\"items\":[{\"create\":{\"status\":201}}]}",
	    "{\"took\":x1,\"items\":[{\"create\":{\"status\":201}}]}",
	    "{\"items\":[{\"create\":{\"_seq_no\":nul,\"status\":201}}]}",
	    "{\"items\":[{\"create\":{\"status\":201,\"x\":\"unterminated}}]}",
	    "{\"items\":[{\"create\":{\"status\":201,\"x\":[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]}}]}" };
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], 1), -1);
}

/* Found by tests/fuzz/fuzz_bulk.c: a status that is no HTTP status was
 * taken as an item error, and its record dead-lettered. */
static void
test_item_status_outside_100_599_is_an_error(void **state)
{
	static const char	*bad[] = { "0", "99", "600", "742", "99999",
	    "201.5" };
	char			 r[128];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(r, sizeof(r), "{\"items\":[{\"create\":{\"status\""
		    ":%s}}]}", bad[i]);
		assert_int_equal(parse(r, 1), -1);
	}
	assert_int_equal(parse("{\"items\":[{\"create\":{\"status\":599}}]}",
	    1), 0);
	assert_int_equal(st[0], 599);
}

static void
test_reply_cut_at_every_byte_never_reads_past(void **state)
{
	const char	*r = "{\"took\":1,\"errors\":true,\"items\":[{\"create\""
	    ":{\"status\":201}},{\"create\":{\"status\":400,\"error\":{\"type\""
	    ":\"mapper_parsing_exception\"}}}]}";
	size_t		 len = strlen(r), i;

	for (i = 0; i < len; i++)
		assert_int_equal(bulk_parse(r, i, st, type, 2), -1);
	assert_int_equal(bulk_parse(r, len, st, type, 2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_created),
		cmocka_unit_test(test_item_errors_keep_status_and_type),
		cmocka_unit_test(test_item_count_must_match),
		cmocka_unit_test(test_garbage_and_cut_replies_are_errors),
		cmocka_unit_test(test_item_status_outside_100_599_is_an_error),
		cmocka_unit_test(test_reply_cut_at_every_byte_never_reads_past),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
