/*
 * test_proxy_env.c: which proxy the backend is reached through: the
 * [output] proxy key, the environment as curl reads it, and NO_PROXY.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proxy_env.h"

static const char	*vars[] = { "http_proxy", "HTTP_PROXY", "https_proxy",
    "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY" };

static struct proxy_choice	 pc;

/* Each test starts with none of the variables set. */
static int
clean(void **state)
{
	size_t	 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	memset(&pc, 0, sizeof(pc));
	return 0;
}

/* The URL picked for an https backend at logs.example.com:443. */
static const char *
https_url(void)
{
	assert_int_equal(proxy_env_pick(NULL, 1, "logs.example.com", 443, &pc),
	    0);
	return pc.url;
}

static const char *
http_url(void)
{
	assert_int_equal(proxy_env_pick("", 0, "logs.example.com", 80, &pc),
	    0);
	return pc.url;
}

/* The URL the environment value v normalises to, read as HTTPS_PROXY. */
static const char *
normalised(const char *v)
{
	setenv("HTTPS_PROXY", v, 1);
	return https_url();
}

/* proxy_env_pick fails on v as HTTPS_PROXY, and says nothing of s3cret. */
static void
assert_rejected(const char *v)
{
	setenv("HTTPS_PROXY", v, 1);
	assert_int_equal(proxy_env_pick(NULL, 1, "logs.example.com", 443,
	    &pc), -1);
	assert_string_equal(pc.url, "");
	assert_true(strncmp(pc.why, "HTTPS_PROXY: ", 13) == 0);
	assert_null(strstr(pc.why, "s3cret"));
}

static void
test_key_wins_over_the_environment(void **state)
{
	setenv("https_proxy", "http://env.corp:3128", 1);
	setenv("no_proxy", "*", 1);
	assert_int_equal(proxy_env_pick("http://key.corp:8080", 1,
	    "logs.example.com", 443, &pc), 0);
	assert_string_equal(pc.url, "http://key.corp:8080");
	assert_string_equal(pc.why, "[output] proxy: http://key.corp:8080");
}

static void
test_key_none_is_direct_whatever_the_environment(void **state)
{
	setenv("https_proxy", "http://env.corp:3128", 1);
	assert_int_equal(proxy_env_pick("none", 1, "logs.example.com", 443,
	    &pc), 0);
	assert_string_equal(pc.url, "");
	assert_string_equal(pc.why, "direct: [output] proxy = none");
}

static void
test_key_rejects_credentials_and_other_schemes(void **state)
{
	assert_int_equal(proxy_env_pick("http://u:s3cret@key.corp:8080", 1,
	    "logs.example.com", 443, &pc), -1);
	assert_string_equal(pc.url, "");
	assert_null(strstr(pc.why, "s3cret"));
	assert_non_null(strstr(pc.why, "proxy.password_file"));
	assert_int_equal(proxy_env_pick("socks5://key.corp", 1,
	    "logs.example.com", 443, &pc), -1);
	assert_string_equal(pc.why, "[output] proxy: a scheme other than "
	    "http:// or https://; expected http://HOST[:PORT] or "
	    "https://HOST[:PORT]");
}

static void
test_nothing_set_is_direct(void **state)
{
	assert_string_equal(https_url(), "");
	assert_string_equal(pc.why, "direct: none of https_proxy, "
	    "HTTPS_PROXY, all_proxy, ALL_PROXY is set");
	assert_string_equal(http_url(), "");
	assert_string_equal(pc.why, "direct: none of http_proxy, "
	    "HTTP_PROXY, all_proxy, ALL_PROXY is set");
}

static void
test_https_reads_https_proxy_lower_case_first(void **state)
{
	setenv("https_proxy", "http://lower.corp:3128", 1);
	setenv("HTTPS_PROXY", "http://upper.corp:3128", 1);
	assert_string_equal(https_url(), "http://lower.corp:3128");
	assert_string_equal(pc.why, "https_proxy: http://lower.corp:3128");
	unsetenv("https_proxy");
	assert_string_equal(https_url(), "http://upper.corp:3128");
	assert_string_equal(pc.why, "HTTPS_PROXY: http://upper.corp:3128");
}

static void
test_http_reads_http_proxy_lower_case_first(void **state)
{
	setenv("http_proxy", "http://lower.corp:3128", 1);
	setenv("HTTP_PROXY", "http://upper.corp:3128", 1);
	assert_string_equal(http_url(), "http://lower.corp:3128");
	assert_string_equal(pc.why, "http_proxy: http://lower.corp:3128");
	unsetenv("http_proxy");
	assert_string_equal(http_url(), "http://upper.corp:3128");
	assert_string_equal(pc.why, "HTTP_PROXY: http://upper.corp:3128");
}

static void
test_each_scheme_reads_only_its_own_variable(void **state)
{
	setenv("http_proxy", "http://plain.corp:3128", 1);
	assert_string_equal(https_url(), "");
	setenv("HTTPS_PROXY", "http://tls.corp:3128", 1);
	assert_string_equal(https_url(), "http://tls.corp:3128");
	assert_string_equal(http_url(), "http://plain.corp:3128");
	unsetenv("http_proxy");
	assert_string_equal(http_url(), "");
}

static void
test_all_proxy_is_the_fallback_lower_case_first(void **state)
{
	setenv("ALL_PROXY", "http://upper-all.corp:3128", 1);
	assert_string_equal(https_url(), "http://upper-all.corp:3128");
	assert_string_equal(pc.why, "ALL_PROXY: http://upper-all.corp:3128");
	setenv("all_proxy", "http://all.corp:3128", 1);
	assert_string_equal(http_url(), "http://all.corp:3128");
	assert_string_equal(pc.why, "all_proxy: http://all.corp:3128");
	setenv("HTTPS_PROXY", "http://tls.corp:3128", 1);
	assert_string_equal(https_url(), "http://tls.corp:3128");
}

static void
test_an_empty_variable_is_unset(void **state)
{
	setenv("https_proxy", "", 1);
	setenv("HTTPS_PROXY", "http://upper.corp:3128", 1);
	assert_string_equal(https_url(), "http://upper.corp:3128");
	setenv("no_proxy", "", 1);
	setenv("NO_PROXY", "example.com", 1);
	assert_string_equal(https_url(), "");
}

static void
test_url_scheme_and_port_defaults(void **state)
{
	assert_string_equal(normalised("proxy.corp"), "http://proxy.corp:1080");
	assert_string_equal(normalised("proxy.corp:3128"),
	    "http://proxy.corp:3128");
	assert_string_equal(normalised("http://proxy.corp"),
	    "http://proxy.corp:1080");
	assert_string_equal(normalised("https://proxy.corp"),
	    "https://proxy.corp:443");
	assert_string_equal(normalised("HTTPS://proxy.corp:8443/"),
	    "https://proxy.corp:8443");
	assert_string_equal(normalised("http://10.0.0.9:3128"),
	    "http://10.0.0.9:3128");
	assert_string_equal(normalised("http://[fd00::9]:3128"),
	    "http://[fd00::9]:3128");
	assert_string_equal(normalised("[fd00::9]"), "http://[fd00::9]:1080");
}

static void
test_bad_environment_values_are_errors(void **state)
{
	static const char	*bad[] = { "socks5://proxy.corp:1080",
	    "ftp://proxy.corp", "http://", "http://:3128",
	    "http://proxy.corp:0",
	    "http://proxy.corp:65536", "http://proxy.corp:31x8",
	    "http://proxy.corp:", "http://proxy.corp/path",
	    "http://proxy.corp?q", "http://[fd00::9", "http://[fd00::9]x",
	    "http://[proxy.corp]:3128", "http://fd00::9:3128",
	    "http://pro xy.corp", "http://proxy.corp\t" };
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected(bad[i]);
	assert_rejected("socks5://proxy.corp:1080");
	assert_string_equal(pc.why, "HTTPS_PROXY: a scheme other than "
	    "http:// or https://; expected http://HOST[:PORT] or "
	    "https://HOST[:PORT]");
}

static void
test_credentials_stay_in_url_not_why(void **state)
{
	assert_string_equal(normalised("http://user:s3cret@proxy.corp:3128"),
	    "http://user:s3cret@proxy.corp:3128");
	assert_string_equal(pc.why, "HTTPS_PROXY: http://proxy.corp:3128 "
	    "(credentials not shown)");
	assert_string_equal(normalised("user:s3c@ret@proxy.corp"),
	    "http://user:s3c@ret@proxy.corp:1080");
	assert_null(strstr(pc.why, "s3c"));
}

static void
test_credentials_stay_out_of_every_error(void **state)
{
	static const char	*bad[] = { "socks5://u:s3cret@proxy.corp",
	    "http://u:s3cret@proxy.corp:0", "http://u:s3cret",
	    "http://u:s3cret@", "http://u:s3cret@proxy.corp/x",
	    "u:s3cret@proxy.corp:x", "http://u:s3/cret@proxy.corp",
	    "http://u:s3cret @proxy.corp" };
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected(bad[i]);
}

static void
test_no_proxy_takes_the_host_direct_and_says_which_entry(void **state)
{
	setenv("HTTPS_PROXY", "http://proxy.corp:3128", 1);
	setenv("NO_PROXY", "localhost, .svc", 1);
	assert_int_equal(proxy_env_pick(NULL, 1, "es.logging.svc", 9200, &pc),
	    0);
	assert_string_equal(pc.url, "");
	assert_string_equal(pc.why,
	    "direct: NO_PROXY entry \".svc\" matches es.logging.svc:9200");
	setenv("no_proxy", "10.0.0.0/8", 1);
	assert_int_equal(proxy_env_pick(NULL, 1, "[fd00::1]", 443, &pc), 0);
	assert_string_equal(pc.url, "http://proxy.corp:3128");
	setenv("no_proxy", "fd00::/8", 1);
	assert_int_equal(proxy_env_pick(NULL, 1, "[fd00::1]", 443, &pc), 0);
	assert_string_equal(pc.why,
	    "direct: no_proxy entry \"fd00::/8\" matches [fd00::1]:443");
}

static void
test_no_proxy_applies_before_the_value_is_read(void **state)
{
	setenv("HTTPS_PROXY", "socks5://proxy.corp", 1);
	setenv("no_proxy", "example.com", 1);
	assert_int_equal(proxy_env_pick(NULL, 1, "logs.example.com", 443, &pc),
	    0);
	assert_string_equal(pc.url, "");
	assert_int_equal(proxy_env_pick(NULL, 1, "logs.example.org", 443, &pc),
	    -1);
}

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
		cmocka_unit_test_setup(test_key_wins_over_the_environment,
		    clean),
		cmocka_unit_test_setup(
		    test_key_none_is_direct_whatever_the_environment, clean),
		cmocka_unit_test_setup(
		    test_key_rejects_credentials_and_other_schemes, clean),
		cmocka_unit_test_setup(test_nothing_set_is_direct, clean),
		cmocka_unit_test_setup(
		    test_https_reads_https_proxy_lower_case_first, clean),
		cmocka_unit_test_setup(
		    test_http_reads_http_proxy_lower_case_first, clean),
		cmocka_unit_test_setup(
		    test_each_scheme_reads_only_its_own_variable, clean),
		cmocka_unit_test_setup(
		    test_all_proxy_is_the_fallback_lower_case_first, clean),
		cmocka_unit_test_setup(test_an_empty_variable_is_unset, clean),
		cmocka_unit_test_setup(test_url_scheme_and_port_defaults,
		    clean),
		cmocka_unit_test_setup(test_bad_environment_values_are_errors,
		    clean),
		cmocka_unit_test_setup(test_credentials_stay_in_url_not_why,
		    clean),
		cmocka_unit_test_setup(test_credentials_stay_out_of_every_error,
		    clean),
		cmocka_unit_test_setup(
		    test_no_proxy_takes_the_host_direct_and_says_which_entry,
		    clean),
		cmocka_unit_test_setup(
		    test_no_proxy_applies_before_the_value_is_read, clean),
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
