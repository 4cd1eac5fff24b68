/*
 * test_proxy_env.c: which hosts the NO_PROXY list takes direct.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proxy_env.h"

static void
test_star_matches_everything(void **state)
{
	assert_int_equal(proxy_no_proxy("*", "logs.example.com", 443), 1);
	assert_int_equal(proxy_no_proxy("*", "10.0.0.1", 443), 1);
	assert_int_equal(proxy_no_proxy("*", "::1", 443), 1);
	assert_int_equal(proxy_no_proxy("*", "", 443), 1);
	assert_int_equal(proxy_no_proxy("example.org, * ", "a.b", 1), 1);
	assert_int_equal(proxy_no_proxy("*.", "a.b", 1), 0);
	assert_int_equal(proxy_no_proxy(NULL, "a.b", 1), 0);
	assert_int_equal(proxy_no_proxy("", "a.b", 1), 0);
}

static void
test_a_name_matches_itself_and_its_subdomains(void **state)
{
	assert_int_equal(proxy_no_proxy("example.com", "example.com", 443), 1);
	assert_int_equal(proxy_no_proxy("example.com", "www.example.com", 443),
	    1);
	assert_int_equal(proxy_no_proxy("example.com", "a.b.example.com", 443),
	    1);
	assert_int_equal(proxy_no_proxy("example.com", "notexample.com", 443),
	    0);
	assert_int_equal(proxy_no_proxy("example.com", "example.com.org", 443),
	    0);
	assert_int_equal(proxy_no_proxy("example.com", "com", 443), 0);
	assert_int_equal(proxy_no_proxy("localhost", "localhost", 80), 1);
}

static void
test_a_leading_dot_matches_the_domain_too(void **state)
{
	assert_int_equal(proxy_no_proxy(".example.com", "www.example.com", 1),
	    1);
	assert_int_equal(proxy_no_proxy(".example.com", "example.com", 1), 1);
	assert_int_equal(proxy_no_proxy(".example.com", "nonexample.com", 1),
	    0);
	assert_int_equal(proxy_no_proxy("*.example.com", "www.example.com", 1),
	    1);
	assert_int_equal(proxy_no_proxy(".svc", "es.logging.svc", 1), 1);
	assert_int_equal(proxy_no_proxy(".svc", "es.logging.svcx", 1), 0);
	assert_int_equal(proxy_no_proxy(".", "example.com", 1), 0);
}

static void
test_names_ignore_case(void **state)
{
	assert_int_equal(proxy_no_proxy("Example.COM", "www.EXAMPLE.com", 1),
	    1);
	assert_int_equal(proxy_no_proxy(".CLUSTER.local", "Es.Cluster.Local",
	    1), 1);
}

static void
test_a_final_dot_is_ignored_on_either_side(void **state)
{
	assert_int_equal(proxy_no_proxy("example.com.", "www.example.com", 1),
	    1);
	assert_int_equal(proxy_no_proxy("example.com", "www.example.com.", 1),
	    1);
	assert_int_equal(proxy_no_proxy(".example.com.", "example.com.", 1), 1);
	assert_int_equal(proxy_no_proxy("example.com.", "example.org.", 1), 0);
}

static void
test_an_entry_with_a_port_matches_only_that_port(void **state)
{
	assert_int_equal(proxy_no_proxy("example.com:9200", "example.com",
	    9200), 1);
	assert_int_equal(proxy_no_proxy("example.com:9200", "es.example.com",
	    9200), 1);
	assert_int_equal(proxy_no_proxy("example.com:9200", "example.com",
	    443), 0);
	assert_int_equal(proxy_no_proxy("example.com", "example.com", 9200), 1);
	assert_int_equal(proxy_no_proxy("10.0.0.1:9200", "10.0.0.1", 9200), 1);
	assert_int_equal(proxy_no_proxy("10.0.0.1:9200", "10.0.0.1", 443), 0);
	assert_int_equal(proxy_no_proxy("[fd00::1]:9200", "fd00::1", 9200), 1);
	assert_int_equal(proxy_no_proxy("[fd00::1]:9200", "fd00::1", 443), 0);
	assert_int_equal(proxy_no_proxy("example.com:x", "example.com", 1), 0);
	assert_int_equal(proxy_no_proxy("example.com:", "example.com", 1), 0);
	assert_int_equal(proxy_no_proxy("example.com:0", "example.com", 1), 0);
}

static void
test_an_ipv4_address_matches_only_itself(void **state)
{
	assert_int_equal(proxy_no_proxy("10.0.0.1", "10.0.0.1", 443), 1);
	assert_int_equal(proxy_no_proxy("10.0.0.1", "10.0.0.2", 443), 0);
	assert_int_equal(proxy_no_proxy("10.0.0.1", "110.0.0.1", 443), 0);
	assert_int_equal(proxy_no_proxy("127.0.0.1,10.0.0.1", "10.0.0.1", 1),
	    1);
}

static void
test_ipv6_with_and_without_brackets(void **state)
{
	assert_int_equal(proxy_no_proxy("::1", "::1", 443), 1);
	assert_int_equal(proxy_no_proxy("::1", "[::1]", 443), 1);
	assert_int_equal(proxy_no_proxy("[::1]", "::1", 443), 1);
	assert_int_equal(proxy_no_proxy("[::1]", "[::1]", 443), 1);
	assert_int_equal(proxy_no_proxy("fd00:0:0::1", "fd00::1", 443), 1);
	assert_int_equal(proxy_no_proxy("fd00::1", "fd00::2", 443), 0);
	assert_int_equal(proxy_no_proxy("[fd00::1", "fd00::1", 443), 0);
	assert_int_equal(proxy_no_proxy("::1", "127.0.0.1", 443), 0);
}

static void
test_cidr_v4(void **state)
{
	static const char	*net = "10.96.0.0/12";

	assert_int_equal(proxy_no_proxy(net, "10.96.0.1", 443), 1);
	assert_int_equal(proxy_no_proxy(net, "10.111.255.255", 443), 1);
	assert_int_equal(proxy_no_proxy(net, "10.112.0.0", 443), 0);
	assert_int_equal(proxy_no_proxy(net, "10.95.255.255", 443), 0);
	assert_int_equal(proxy_no_proxy(net, "fd00::1", 443), 0);
	assert_int_equal(proxy_no_proxy("10.96.1.0/12", "10.100.0.1", 1), 1);
	assert_int_equal(proxy_no_proxy("10.0.0.7/32", "10.0.0.7", 1), 1);
	assert_int_equal(proxy_no_proxy("10.0.0.7/32", "10.0.0.6", 1), 0);
	assert_int_equal(proxy_no_proxy("0.0.0.0/0", "203.0.113.9", 1), 1);
	assert_int_equal(proxy_no_proxy("0.0.0.0/0", "::1", 1), 0);
	assert_int_equal(proxy_no_proxy("0.0.0.0/0", "example.com", 1), 0);
}

static void
test_cidr_v6(void **state)
{
	assert_int_equal(proxy_no_proxy("fd00::/8", "fd12:3456::1", 1), 1);
	assert_int_equal(proxy_no_proxy("fd00::/8", "[fdff::1]", 1), 1);
	assert_int_equal(proxy_no_proxy("fd00::/8", "fe80::1", 1), 0);
	assert_int_equal(proxy_no_proxy("fd00::/8", "10.0.0.1", 1), 0);
	assert_int_equal(proxy_no_proxy("2001:db8::/33", "2001:db8:7fff::1",
	    1), 1);
	assert_int_equal(proxy_no_proxy("2001:db8::/33", "2001:db8:8000::1",
	    1), 0);
	assert_int_equal(proxy_no_proxy("fd00::7/128", "fd00::7", 1), 1);
	assert_int_equal(proxy_no_proxy("fd00::7/128", "fd00::8", 1), 0);
	assert_int_equal(proxy_no_proxy("::/0", "2001:db8::1", 1), 1);
	assert_int_equal(proxy_no_proxy("::/0", "10.0.0.1", 1), 0);
}

static void
test_invalid_cidr_is_ignored(void **state)
{
	static const char	*bad[] = { "10.0.0.0/33", "10.0.0.0/",
	    "10.0.0.0/x", "10.0.0.0/-1", "10.0.0.0/0008", "10.0.0/8",
	    "fd00::/129", "[fd00::]/8", "example.com/8", "/8" };
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(proxy_no_proxy(bad[i], "10.0.0.0", 1), 0);
		assert_int_equal(proxy_no_proxy(bad[i], "fd00::", 1), 0);
		assert_int_equal(proxy_no_proxy(bad[i], "example.com", 1), 0);
	}
	assert_int_equal(proxy_no_proxy("10.0.0.0/33,10.0.0.0/8", "10.0.0.1",
	    1), 1);
}

static void
test_empty_entries_and_blanks_are_skipped(void **state)
{
	static const char	*list = ",, example.com ,  ,\t.svc\t, ";

	assert_int_equal(proxy_no_proxy(list, "www.example.com", 1), 1);
	assert_int_equal(proxy_no_proxy(list, "es.logging.svc", 1), 1);
	assert_int_equal(proxy_no_proxy(list, "example.org", 1), 0);
	assert_int_equal(proxy_no_proxy(" , ,", "example.org", 1), 0);
	assert_int_equal(proxy_no_proxy("a.com b.com", "b.com", 1), 0);
}

static void
test_an_address_host_never_matches_a_name(void **state)
{
	assert_int_equal(proxy_no_proxy("2.3", "10.1.2.3", 1), 0);
	assert_int_equal(proxy_no_proxy(".1.2.3", "10.1.2.3", 1), 0);
	assert_int_equal(proxy_no_proxy("0.1", "192.168.0.1", 1), 0);
	assert_int_equal(proxy_no_proxy("1", "::1", 1), 0);
	assert_int_equal(proxy_no_proxy("10.0.0.1", "10.0.0.1.nip.io", 1), 0);
	assert_int_equal(proxy_no_proxy("10.0.0.0/8", "10.0.0.1.nip.io", 1),
	    0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star_matches_everything),
		cmocka_unit_test(test_a_name_matches_itself_and_its_subdomains),
		cmocka_unit_test(test_a_leading_dot_matches_the_domain_too),
		cmocka_unit_test(test_names_ignore_case),
		cmocka_unit_test(test_a_final_dot_is_ignored_on_either_side),
		cmocka_unit_test(
		    test_an_entry_with_a_port_matches_only_that_port),
		cmocka_unit_test(test_an_ipv4_address_matches_only_itself),
		cmocka_unit_test(test_ipv6_with_and_without_brackets),
		cmocka_unit_test(test_cidr_v4),
		cmocka_unit_test(test_cidr_v6),
		cmocka_unit_test(test_invalid_cidr_is_ignored),
		cmocka_unit_test(test_empty_entries_and_blanks_are_skipped),
		cmocka_unit_test(test_an_address_host_never_matches_a_name),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
