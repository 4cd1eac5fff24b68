/*
 * test_labels.c: the Downward API labels file, Go-quoted values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "labels.h"

static struct labels *
parse(const char *s)
{
	return labels_parse(s, strlen(s));
}

static void
test_plain_labels_in_order(void **state)
{
	struct labels	*l = parse("app=\"web\"\npod-template-hash=\"7d9f\"\n"
	    "app.kubernetes.io/name=\"shop\"");

	assert_non_null(l);
	assert_int_equal(l->n, 3);
	assert_string_equal(l->pairs[0].key, "app");
	assert_string_equal(l->pairs[0].value, "web");
	assert_string_equal(l->pairs[2].key, "app.kubernetes.io/name");
	assert_string_equal(l->pairs[2].value, "shop");
	labels_free(l);
}

static void
test_go_escapes_are_decoded(void **state)
{
	struct labels	*l = parse("a=\"say \\\"hi\\\" \\\\ end\"\n"
	    "b=\"tab\\there\\nnl\"\nc=\"\\x41\\u00e9\\U0001F600\\101\"\n");

	assert_int_equal(l->n, 3);
	assert_string_equal(l->pairs[0].value, "say \"hi\" \\ end");
	assert_string_equal(l->pairs[1].value, "tab\there\nnl");
	assert_string_equal(l->pairs[2].value, "A\xc3\xa9\xf0\x9f\x98\x80" "A");
	labels_free(l);
}

static void
test_bad_lines_are_skipped(void **state)
{
	struct labels	*l = parse("good=\"1\"\nno quotes=1\n=\"nokey\"\n"
	    "open=\"unterminated\nbadesc=\"\\q\"\nshort=\"\\x4\"\n"
	    "trail=\"x\" junk\nlast=\"2\"\n");

	assert_int_equal(l->n, 2);
	assert_string_equal(l->pairs[0].key, "good");
	assert_string_equal(l->pairs[1].key, "last");
	labels_free(l);
}

static void
test_empty_file_has_no_labels(void **state)
{
	struct labels	*l = parse("");

	assert_non_null(l);
	assert_int_equal(l->n, 0);
	labels_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_labels_in_order),
		cmocka_unit_test(test_go_escapes_are_decoded),
		cmocka_unit_test(test_bad_lines_are_skipped),
		cmocka_unit_test(test_empty_file_has_no_labels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
