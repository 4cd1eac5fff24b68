/*
 * test_json.c: json.h's cursor, the reply readers' one scanner: strict
 * commas, bounds on depth and tokens, integers as numbers or strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static struct json_cur	 c;

static struct json_cur *
cur(const char *text)
{
	json_cur_init(&c, text, strlen(text), 1024);
	return &c;
}

/* Walks one object's members, each value skipped: members, or -1. */
static int
members(const char *text)
{
	const char	*k;
	size_t		 kl;
	int		 i = 0, rc;

	if (json_enter(cur(text), '{') == -1)
		return -1;
	while ((rc = json_member(&c, &i, &k, &kl)) == 1)
		if (json_skip(&c) == -1)
			return -1;
	return rc == 0 && json_done(&c) ? i : -1;
}

static void
test_members_counted_and_commas_strict(void **state)
{
	assert_int_equal(members("{}"), 0);
	assert_int_equal(members(" { \"a\" : 1 , \"b\":[true,null,{}] } "), 2);
	assert_int_equal(members("{\"a\":1,}"), -1);
	assert_int_equal(members("{,\"a\":1}"), -1);
	assert_int_equal(members("{\"a\":1 \"b\":2}"), -1);
	assert_int_equal(members("{\"a\" 1}"), -1);
	assert_int_equal(members("{\"a\":1"), -1);
	assert_int_equal(members("{\"a\":[1,]}"), -1);
	assert_int_equal(members("{\"a\":1} x"), -1);
	assert_int_equal(members("{1:2}"), -1);
}

static void
test_member_name_is_raw(void **state)
{
	const char	*k;
	size_t		 kl;
	int		 i = 0;

	assert_int_equal(json_enter(cur("{\"a\\\"b\":\"v\\n\"}"), '{'), 0);
	assert_int_equal(json_member(&c, &i, &k, &kl), 1);
	assert_int_equal(kl, 4);
	assert_memory_equal(k, "a\\\"b", 4);
	assert_int_equal(json_string(&c, &k, &kl), 0);
	assert_int_equal(kl, 3);
	assert_memory_equal(k, "v\\n", 3);
	assert_int_equal(json_member(&c, &i, &k, &kl), 0);
}

static void
test_uint_as_number_or_string(void **state)
{
	uint64_t	 v;

	assert_int_equal(json_uint(cur(" 42"), 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(json_uint(cur("\"18446744073709551615\""),
	    UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(json_uint(cur("\"18446744073709551616\""),
	    UINT64_MAX, &v), -1);
	assert_int_equal(json_uint(cur("101"), 100, &v), -1);
	assert_int_equal(json_uint(cur("100"), 100, &v), 0);
	assert_int_equal(json_uint(cur("0"), 100, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(json_uint(cur("\"007\""), 100, &v), -1);
	assert_int_equal(json_uint(cur("007"), 100, &v), 0);	/* 0, then */
	assert_false(json_done(&c));				/* junk */
	assert_int_equal(json_uint(cur("-1"), 100, &v), -1);
	assert_int_equal(json_uint(cur("1.5"), 100, &v), -1);
	assert_int_equal(json_uint(cur("1e2"), 1000, &v), -1);
	assert_int_equal(json_uint(cur("\"\""), 100, &v), -1);
	assert_int_equal(json_uint(cur("\" 1\""), 100, &v), -1);
	assert_int_equal(json_uint(cur("true"), 100, &v), -1);
}

static void
test_bool(void **state)
{
	int	 b;

	assert_int_equal(json_bool(cur("true"), &b), 0);
	assert_int_equal(b, 1);
	assert_int_equal(json_bool(cur(" false"), &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(json_bool(cur("tru"), &b), -1);
	assert_int_equal(json_bool(cur("null"), &b), -1);
	assert_int_equal(json_bool(cur("\"true\""), &b), -1);
}

static void
test_depth_and_tokens_bounded(void **state)
{
	char	 deep[2 * JSON_MAX_DEPTH + 4];
	char	 many[2 * 1100 + 2];
	int	 i;

	for (i = 0; i <= JSON_MAX_DEPTH; i++) {
		deep[i] = '[';
		deep[2 * JSON_MAX_DEPTH + 1 - i] = ']';
	}
	deep[2 * JSON_MAX_DEPTH + 2] = '\0';
	assert_int_equal(json_skip(cur(deep)), -1);
	assert_int_equal(json_skip(cur(deep + 1)), 0);	/* one ']' left */
	assert_false(json_done(&c));
	deep[2 * JSON_MAX_DEPTH + 1] = '\0';
	assert_int_equal(json_skip(cur(deep + 1)), 0);
	assert_true(json_done(&c));

	many[0] = '[';
	for (i = 0; i < 1100; i++) {
		many[1 + 2 * i] = '1';
		many[2 + 2 * i] = ',';
	}
	many[2 * 1100] = ']';
	many[2 * 1100 + 1] = '\0';
	assert_int_equal(json_skip(cur(many)), -1);
	json_cur_init(&c, many, strlen(many), 2000);
	assert_int_equal(json_skip(&c), 0);
	assert_true(json_done(&c));
}

static void
test_strings_checked(void **state)
{
	const char	*s;
	size_t		 n;

	assert_int_equal(json_string(cur("\"\\ud83d\\ude00\""), &s, &n), 0);
	assert_int_equal(json_string(cur("\"\\ud83d\""), &s, &n), -1);
	assert_int_equal(json_string(cur("\"\xc0\xaf\""), &s, &n), -1);
	assert_int_equal(json_string(cur("\"a\tb\""), &s, &n), -1);
	assert_int_equal(json_string(cur("\"open"), &s, &n), -1);
	assert_int_equal(json_string(cur("7"), &s, &n), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_counted_and_commas_strict),
		cmocka_unit_test(test_member_name_is_raw),
		cmocka_unit_test(test_uint_as_number_or_string),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_depth_and_tokens_bounded),
		cmocka_unit_test(test_strings_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
