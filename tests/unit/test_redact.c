/*
 * test_redact.c: the redaction rules: each built-in on what it must and
 * must not mask, keyed hashes, custom regexes (empty matches, NUL
 * bytes), overlaps, counts, and the bound on the output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "redact.h"

#define ALL	"email,ipv4,credit_card,bearer,jwt,aws_key,password"
#define JWT_HEAD	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
#define JWT_BODY	"eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9l" \
			"IiwiaWF0IjoxNTE2MjM5MDIyfQ"
#define JWT_SIG		"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
#define JWT		JWT_HEAD "." JWT_BODY "." JWT_SIG

static char		 outbuf[8192];
static uint64_t		 counts[REDACT_MAX_RULES];

static struct redact *
mk(const char *builtins)
{
	char		 err[200];
	struct redact	*r = redact_new(builtins, NULL, 0, err, sizeof(err));

	if (r == NULL)
		fail_msg("redact_new: %s", err);
	return r;
}

/* msg of len bytes through r, as a C string. */
static const char *
apply_n(struct redact *r, const char *msg, size_t len)
{
	const char	*o;
	size_t		 olen;

	o = redact_apply(r, msg, len, &olen, counts);
	assert_non_null(o);
	assert_true(olen <= REDACT_OUT_MAX(len));
	assert_true(olen < sizeof(outbuf));
	memcpy(outbuf, o, olen);
	outbuf[olen] = '\0';
	return outbuf;
}

static const char *
apply(struct redact *r, const char *msg)
{
	return apply_n(r, msg, strlen(msg));
}

/* What rule alone makes of msg. */
static const char *
one(const char *rule, const char *msg)
{
	static char	 keep[8192];
	struct redact	*r = mk(rule);

	snprintf(keep, sizeof(keep), "%s", apply(r, msg));
	redact_free(r);
	return keep;
}

/* rule alone leaves msg as it is, and hands back msg itself. */
static void
assert_kept(const char *rule, const char *msg)
{
	struct redact	*r = mk(rule);
	size_t		 olen;

	if (redact_apply(r, msg, strlen(msg), &olen, counts) != msg)
		fail_msg("%s changed \"%s\" into \"%s\"", rule, msg,
		    apply(r, msg));
	assert_int_equal(olen, strlen(msg));
	redact_free(r);
}

static int
reset(void **state)
{
	memset(counts, 0, sizeof(counts));
	return 0;
}

/* --- email ----------------------------------------------------------- */

static void
test_email_in_quotes_urls_and_mailto(void **state)
{
	assert_string_equal(one("email", "user a.b+tag@mail.example.com in"),
	    "user [REDACTED:email] in");
	assert_string_equal(one("email", "{\"to\":\"jo@x.io\"}"),
	    "{\"to\":\"[REDACTED:email]\"}");
	assert_string_equal(one("email", "<a href=\"mailto:jo@x.io\">"),
	    "<a href=\"mailto:[REDACTED:email]\">");
	assert_string_equal(one("email", "GET https://x.com/?u=a.b@c.org&y=1"),
	    "GET https://x.com/?u=[REDACTED:email]&y=1");
	assert_string_equal(one("email", "(jo@x.io)."), "([REDACTED:email]).");
	assert_string_equal(one("email", "write to jo@x.io."),
	    "write to [REDACTED:email].");
	assert_string_equal(one("email", "'jo@x.io'"), "'[REDACTED:email]'");
}

static void
test_email_needs_a_domain_with_a_tld_of_letters(void **state)
{
	assert_kept("email", "user@localhost");
	assert_kept("email", "git@host:repo, @mention, a@, @b.com");
	assert_kept("email", "x@1.2.3.4 and x@b.c and x@b.c0m");
	assert_kept("email", "x@-b.com x@b-.com x@b..com");
	assert_kept("email", "trailing.@b.com");
}

static void
test_email_local_part_is_a_dot_atom(void **state)
{
	assert_string_equal(one("email", "a..b@x.io"), "a..[REDACTED:email]");
	assert_string_equal(one("email", ".a@x.io"), ".[REDACTED:email]");
	assert_string_equal(one("email", "password=a@x.io"),
	    "password=[REDACTED:email]");
}

/* --- ipv4 ------------------------------------------------------------ */

static void
test_ipv4_dotted_quads(void **state)
{
	assert_string_equal(one("ipv4", "from 1.2.3.4 to 255.255.255.0"),
	    "from [REDACTED:ipv4] to [REDACTED:ipv4]");
	assert_string_equal(one("ipv4", "10.0.0.1:8080 192.168.0.0/16"),
	    "[REDACTED:ipv4]:8080 [REDACTED:ipv4]/16");
	assert_string_equal(one("ipv4", "at 1.2.3.4."), "at [REDACTED:ipv4].");
	assert_string_equal(one("ipv4", "::ffff:10.1.2.3"),
	    "::ffff:[REDACTED:ipv4]");
}

static void
test_ipv4_boundaries(void **state)
{
	assert_kept("ipv4", "256.1.1.1 1.256.1.1 1.1.1.256 1.2.3 1.2.3.");
	assert_kept("ipv4", "1.2.3.4.5 v10.1.2.3 1.2.3.4a 0.1.2.3.4");
	assert_kept("ipv4", "1234.1.1.1 1.1.1.1234 a.1.2.3.4 1.2.3.4_x");
}

/* --- credit_card ----------------------------------------------------- */

static void
test_card_test_numbers_of_each_brand(void **state)
{
	assert_string_equal(one("credit_card", "visa 4111111111111111"),
	    "visa [REDACTED:credit_card]");
	assert_string_equal(one("credit_card", "mc=5555555555554444;"),
	    "mc=[REDACTED:credit_card];");
	assert_string_equal(one("credit_card", "amex 378282246310005."),
	    "amex [REDACTED:credit_card].");
	assert_string_equal(one("credit_card", "\"4242424242424242\""),
	    "\"[REDACTED:credit_card]\"");
}

static void
test_card_grouped_by_spaces_or_hyphens(void **state)
{
	assert_string_equal(one("credit_card", "card 4111 1111 1111 1111 ok"),
	    "card [REDACTED:credit_card] ok");
	assert_string_equal(one("credit_card", "5105-1051-0510-5100"),
	    "[REDACTED:credit_card]");
	assert_string_equal(one("credit_card", "amex 3782 822463 10005"),
	    "amex [REDACTED:credit_card]");
	assert_string_equal(one("credit_card", "4111 1111 1111 1111 2 items"),
	    "[REDACTED:credit_card] 2 items");
	assert_string_equal(one("credit_card", "qty 12 4111 1111 1111 1111"),
	    "qty 12 [REDACTED:credit_card]");
}

static void
test_card_that_fails_luhn_is_an_order_id(void **state)
{
	assert_kept("credit_card", "order 4111111111111112 shipped");
	assert_kept("credit_card", "order 4111-1111-1111-1112");
}

static void
test_card_not_part_of_a_longer_run_or_word(void **state)
{
	/* 20 digits: a valid card with more digits before or after. */
	assert_kept("credit_card", "id 41111111111111110000");
	assert_kept("credit_card", "id 00004111111111111111");
	assert_kept("credit_card", "trace a4111111111111111 4111111111111111b");
	assert_kept("credit_card", "0.4111111111111111 4111111111111111.5");
	/* Mixed separators, or groups of a shape no card is written in. */
	assert_kept("credit_card", "4111 1111-1111 1111 41 1111 1111 1111 11");
	assert_kept("credit_card", "411111 1111 111111");
}

/* --- bearer ---------------------------------------------------------- */

static void
test_bearer_token_is_masked_the_word_kept(void **state)
{
	assert_string_equal(one("bearer",
	    "Authorization: Bearer abc.DEF-123_~+/xyz=="),
	    "Authorization: Bearer [REDACTED:bearer]");
	assert_string_equal(one("bearer", "sent bearer  " JWT " ok"),
	    "sent bearer  [REDACTED:bearer] ok");
	assert_string_equal(one("bearer",
	    "{\"Authorization\": \"Bearer abcdefgh\"}"),
	    "{\"Authorization\": \"Bearer [REDACTED:bearer]\"}");
}

static void
test_bearer_short_tokens_only_after_authorization(void **state)
{
	assert_kept("bearer", "the Bearer of bad news");
	assert_kept("bearer", "WWW-Authenticate: Bearer realm=\"x\"");
	assert_kept("bearer", "Bearer: abcdefghij, XBearer abcdefghij");
	assert_string_equal(one("bearer", "authorization:Bearer abc"),
	    "authorization:Bearer [REDACTED:bearer]");
}

static void
test_basic_credentials_after_authorization(void **state)
{
	assert_string_equal(one("bearer",
	    "Proxy-Authorization: Basic dXNlcjpwYXNz"),
	    "Proxy-Authorization: Basic [REDACTED:bearer]");
	assert_kept("bearer", "Basic dXNlcjpwYXNzd29yZA== setup done");
}

/* --- jwt ------------------------------------------------------------- */

static void
test_jwt_three_segments(void **state)
{
	assert_string_equal(one("jwt", "token=" JWT "; path=/"),
	    "token=[REDACTED:jwt]; path=/");
	assert_string_equal(one("jwt",
	    "\"eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.\""),
	    "\"[REDACTED:jwt]\"");
}

static void
test_jwt_needs_its_shape(void **state)
{
	assert_kept("jwt", "eyJ alone, eyJhbGciOiJIUzI1NiJ9 without dots");
	assert_kept("jwt", "eyJhbGciOiJIUzI1NiJ9.x.y eyJshort.abc.def");
	assert_kept("jwt", "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIi.sig");
	assert_kept("jwt", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIi");
}

/* --- aws_key --------------------------------------------------------- */

static void
test_aws_access_key_ids(void **state)
{
	assert_string_equal(one("aws_key", "key AKIAIOSFODNN7EXAMPLE used"),
	    "key [REDACTED:aws_key] used");
	assert_string_equal(one("aws_key", "\"ASIAY34FZKBOKMUTVV7A\""),
	    "\"[REDACTED:aws_key]\"");
}

static void
test_aws_key_is_a_word_of_exactly_20(void **state)
{
	assert_kept("aws_key", "AKIAIOSFODNN7EXAMPL short");
	assert_kept("aws_key", "AKIAIOSFODNN7EXAMPLEX XAKIAIOSFODNN7EXAMPLE");
	assert_kept("aws_key", "AKIAiosfodnn7example AKIDIOSFODNN7EXAMPLE");
}

static void
test_aws_secret_access_key_value(void **state)
{
	assert_string_equal(one("aws_key",
	    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
	    "aws_secret_access_key = [REDACTED:aws_key]");
	assert_string_equal(one("aws_key",
	    "{\"SecretAccessKey\":\"wJalrXUtnFEMI/K7MDENG\"}"),
	    "{\"SecretAccessKey\":\"[REDACTED:aws_key]\"}");
}

/* --- password -------------------------------------------------------- */

static void
test_password_key_value(void **state)
{
	assert_string_equal(one("password", "login user=bob password=hunter2 ok"),
	    "login user=bob password=[REDACTED:password] ok");
	assert_string_equal(one("password", "GET /?passwd=s3cr%20t&x=1"),
	    "GET /?passwd=[REDACTED:password]&x=1");
	assert_string_equal(one("password", "PWD=/home/bob"),
	    "PWD=[REDACTED:password]");
	assert_string_equal(one("password", "DB_PASSWORD = x,y"),
	    "DB_PASSWORD = [REDACTED:password],y");
	assert_string_equal(one("password", "--password=hunter2"),
	    "--password=[REDACTED:password]");
}

static void
test_password_colon_and_quoted(void **state)
{
	assert_string_equal(one("password", "password: hunter2"),
	    "password: [REDACTED:password]");
	assert_string_equal(one("password", "Passwd :hunter2"),
	    "Passwd :[REDACTED:password]");
	assert_string_equal(one("password", "password=\"a b c\" user=x"),
	    "password=\"[REDACTED:password]\" user=x");
	assert_string_equal(one("password", "{'password': 'it\\'s'}"),
	    "{'password': '[REDACTED:password]'}");
}

static void
test_password_in_json_keeps_it_valid(void **state)
{
	assert_string_equal(one("password",
	    "{\"user\":\"bob\",\"password\":\"a\\\"b\\\\\",\"n\":1}"),
	    "{\"user\":\"bob\",\"password\":\"[REDACTED:password]\",\"n\":1}");
	assert_string_equal(one("password", "{\"dbPassword\" : \"x\"}"),
	    "{\"dbPassword\" : \"[REDACTED:password]\"}");
	/* Not a string: left alone rather than made invalid. */
	assert_kept("password", "{\"password\":null,\"pwd\":1234}");
}

static void
test_password_in_json_inside_a_json_string(void **state)
{
	assert_string_equal(one("password",
	    "{\"msg\":\"body {\\\"password\\\":\\\"a\\\\\\\"b\\\"}\"}"),
	    "{\"msg\":\"body {\\\"password\\\":\\\"[REDACTED:password]"
	    "\\\"}\"}");
}

static void
test_password_other_keys_left_alone(void **state)
{
	assert_kept("password", "password_hash=abc passwordless=true");
	assert_kept("password", "password= , password:, password");
	assert_kept("password", "my password is hunter2");
	assert_kept("password", "password=[REDACTED:password]");
	assert_kept("password", "password=[REDACTED:x:0123456789abcdef]");
	assert_string_equal(one("password", "password=[REDACTED:x]hunter2"),
	    "password=[REDACTED:password]");
}

/*
 * The scanners read sixteen bytes a step, the last step re-reading
 * bytes before it: a key, an '@' or a "Bearer" is found wherever it
 * falls, at a step's edge, in the last bytes or in a message under 16.
 */
static void
test_matches_are_found_at_every_offset(void **state)
{
	struct redact	*r = mk("email,bearer,password");
	char		 msg[160], want[200];
	int		 pad, tail;

	for (pad = 0; pad < 40; pad++)
		for (tail = 0; tail < 3; tail++) {
			snprintf(msg, sizeof(msg), "%*s pwd=x%s a@b.co%s"
			    "Bearer 0123456789%s", pad, "",
			    tail > 0 ? " k=v ok" : "",
			    tail > 1 ? " and more words go here " : " ",
			    tail > 0 ? " end" : "");
			snprintf(want, sizeof(want), "%*s pwd=[REDACTED:password]"
			    "%s [REDACTED:email]%sBearer [REDACTED:bearer]%s",
			    pad, "", tail > 0 ? " k=v ok" : "",
			    tail > 1 ? " and more words go here " : " ",
			    tail > 0 ? " end" : "");
			assert_string_equal(apply(r, msg), want);
		}
	assert_string_equal(apply(r, "pwd=x"), "pwd=[REDACTED:password]");
	assert_string_equal(apply(r, "PWD:x"), "PWD:[REDACTED:password]");
	assert_kept("password", "method=GET id=1 node=d dur_ms=12 pwd");
	redact_free(r);
}

/* The next key may end inside the value just matched: its separator is
 * still found, past blanks and quotes. */
static void
test_password_key_ending_in_the_last_value(void **state)
{
	assert_string_equal(one("password", "pwd=xpassword =y"),
	    "pwd=[REDACTED:password] =[REDACTED:password]");
	assert_string_equal(one("password", "pwd=\"xpassword\" : \"v\""),
	    "pwd=\"[REDACTED:password]\" : \"[REDACTED:password]\"");
	assert_string_equal(one("password", "Password\t\t=>  x"),
	    "Password\t\t=>  [REDACTED:password]");
}

/* --- keyed hashes ---------------------------------------------------- */

static void
test_hash_is_hmac_sha256_of_the_match(void **state)
{
	struct redact	*r = mk("email,password");

	assert_int_equal(redact_set_key(r, (const unsigned char *)"k3y", 3), 0);
	/* printf %s VALUE | openssl dgst -sha256 -hmac k3y */
	assert_string_equal(apply(r, "to a@b.co password=hunter2"),
	    "to [REDACTED:email:4cad9809ef5bac44] "
	    "password=[REDACTED:password:a2b0dab1fbce37e9]");
	assert_int_equal(redact_set_key(r, NULL, 0), 0);
	assert_string_equal(apply(r, "to a@b.co"), "to [REDACTED:email]");
	redact_free(r);
}

static void
test_equal_values_give_equal_hashes(void **state)
{
	struct redact	*r = mk("email");
	char		 a[64], b[64];

	redact_set_key(r, (const unsigned char *)"another key", 11);
	apply(r, "x jo@x.io y jo@x.io z jo@x.im");
	/* "[REDACTED:email:" 16 hex digits "]" is 33 bytes. */
	assert_int_equal(strlen(outbuf), 2 + 3 * 33 + 6);
	memcpy(a, outbuf + 2, 33);
	memcpy(b, outbuf + 2 + 33 + 3, 33);
	assert_memory_equal(a, b, 33);
	assert_memory_not_equal(a, outbuf + 2 + 2 * (33 + 3), 33);
	redact_free(r);
}

/* --- custom rules ---------------------------------------------------- */

static struct redact *
mk_custom(const char *builtins, const char *name, const char *re)
{
	struct config_pair	 c = { name, re, 1 };
	char			 err[200];
	struct redact		*r;

	r = redact_new(builtins, &c, 1, err, sizeof(err));
	if (r == NULL)
		fail_msg("redact_new: %s", err);
	return r;
}

static void
test_custom_regex_whole_match(void **state)
{
	struct redact	*r = mk_custom("", "order", "ord-[0-9]{3,}");

	assert_int_equal(redact_nrules(r), 1);
	assert_string_equal(redact_rule_name(r, 0), "order");
	assert_string_equal(apply(r, "ord-12 ord-1234 xord-999"),
	    "ord-12 [REDACTED:order] x[REDACTED:order]");
	assert_int_equal(counts[0], 2);
	redact_free(r);
}

static void
test_custom_empty_matches_are_skipped(void **state)
{
	struct redact	*r = mk_custom(NULL, "zs", "z*");

	assert_string_equal(apply(r, "abzzc z"), "ab[REDACTED:zs]c [REDACTED:zs]");
	assert_int_equal(counts[0], 2);
	redact_free(r);
	r = mk_custom(NULL, "nothing", "^|$|x?");
	assert_string_equal(apply(r, "abc"), "abc");
	redact_free(r);
}

static void
test_custom_matches_between_nul_bytes(void **state)
{
	static const char	 msg[] = "a@b.co\0tok\0^tok\0tok";
	static const char	 nuls[] = "\0001.2.3.4\0password=\001";
	struct redact		*r = mk_custom("email", "tok", "^tok|tok$");

	apply_n(r, msg, sizeof(msg) - 1);
	/* "^" holds at the message's start only, "$" at its end only. */
	assert_memory_equal(outbuf,
	    "[REDACTED:email]\0tok\0^tok\0[REDACTED:tok]", 41);
	redact_free(r);
	/* The built-ins read past NULs. */
	r = mk("ipv4,password");
	apply_n(r, nuls, sizeof(nuls) - 1);
	assert_memory_equal(outbuf, "\0[REDACTED:ipv4]\0password=\001", 27);
	redact_free(r);
}

static void
test_custom_rule_errors(void **state)
{
	struct config_pair	 c[2] = { { "foo", "a(b", 1 },
				     { "Foo", "x", 2 } };
	char			 err[200];

	assert_null(redact_new("", c, 1, err, sizeof(err)));
	assert_true(strncmp(err, "redact.foo: ", 12) == 0);
	assert_null(redact_new("", c + 1, 1, err, sizeof(err)));
	assert_true(strncmp(err, "redact.Foo: ", 12) == 0);
	assert_null(redact_new("email,emial", NULL, 0, err, sizeof(err)));
	assert_string_equal(err, "unknown rule \"emial\"");
	assert_null(redact_new("email, email", NULL, 0, err, sizeof(err)));
	assert_string_equal(err, "rule \"email\" named twice");
	c[0].value = "x";
	c[0].key = "email";
	assert_null(redact_new("email", c, 1, err, sizeof(err)));
}

/* --- overlaps, counts, bounds ---------------------------------------- */

static void
test_rules_and_their_names_in_order(void **state)
{
	struct redact	*r = mk(" jwt , email,");

	assert_int_equal(redact_nrules(r), 2);
	assert_string_equal(redact_rule_name(r, 0), "jwt");
	assert_string_equal(redact_rule_name(r, 1), "email");
	assert_null(redact_rule_name(r, 2));
	redact_free(r);
	r = mk(NULL);
	assert_int_equal(redact_nrules(r), 0);
	redact_free(r);
}

static void
test_overlaps_merge_named_by_the_earlier_rule(void **state)
{
	struct redact	*r = mk("email,password");

	assert_string_equal(apply(r, "password=a@b.co x"),
	    "password=[REDACTED:email] x");
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 1);
	redact_free(r);
	r = mk("password,credit_card");
	/* The value stops at the space, the card does not. */
	assert_string_equal(apply(r, "password=4111 1111 1111 1111 ok"),
	    "password=[REDACTED:password] ok");
	redact_free(r);
}

static void
test_counts_per_rule(void **state)
{
	struct redact	*r = mk(ALL);

	apply(r, "a@b.co c@d.io 1.2.3.4 AKIAIOSFODNN7EXAMPLE " JWT
	    " password=x 4111111111111111 Bearer abcdefghijk");
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[2], 1);
	assert_int_equal(counts[3], 1);
	assert_int_equal(counts[4], 1);
	assert_int_equal(counts[5], 1);
	assert_int_equal(counts[6], 1);
	redact_free(r);
}

static void
test_nothing_matched_returns_the_message_itself(void **state)
{
	static const char	 msg[] = "GET /healthz 200 0.3ms user=bob";
	struct redact		*r = mk(ALL);
	size_t			 olen;

	assert_ptr_equal(redact_apply(r, msg, sizeof(msg) - 1, &olen, counts),
	    msg);
	assert_int_equal(olen, sizeof(msg) - 1);
	assert_ptr_equal(redact_apply(r, msg, 0, &olen, counts), msg);
	assert_int_equal(olen, 0);
	redact_free(r);
}

static void
test_a_marker_made_beside_text_is_checked_again(void **state)
{
	/* "x1." masked, what follows reads as an address. */
	struct redact	*r = mk_custom("ipv4", "x", "x1\\.");

	assert_string_equal(apply(r, "x1.2.3.4.5"),
	    "[REDACTED:x][REDACTED:ipv4]");
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 1);
	redact_free(r);
}

static void
test_widening_stops_after_its_passes_at_the_whole_line(void **state)
{
	struct config_pair	 c[2] = { { "x", "x", 1 }, { "a", "a\\[", 2 } };
	char			 err[200];
	struct redact		*r = redact_new("", c, 2, err, sizeof(err));

	assert_non_null(r);
	/* Each pass, "a[" reaches one byte further left. */
	assert_string_equal(apply(r, "bbb aax"), "bbb [REDACTED:x]");
	assert_string_equal(apply(r, "bbb aaaaaaax"), "[REDACTED:x]");
	redact_free(r);
}

static void
test_spans_past_the_most_join_their_neighbours(void **state)
{
	static char	 msg[1100 * 8 + 1];
	struct redact	*r = mk("ipv4");
	const char	*o;
	size_t		 i, olen;

	for (i = 0; i < 1100; i++)
		memcpy(msg + 8 * i, i % 2 ? "1.1.1.1 " : "2.2.2.2 ", 8);
	o = redact_apply(r, msg, strlen(msg), &olen, counts);
	assert_non_null(o);
	assert_true(olen <= REDACT_OUT_MAX(strlen(msg)));
	assert_null(memmem(o, olen, "1.1", 3));
	assert_null(memmem(o, olen, "2.2", 3));
	assert_int_equal(counts[0], 1100);
	redact_free(r);
}

static void
test_output_stays_within_its_bound(void **state)
{
	char		 msg[600];
	struct redact	*r = mk_custom("", "d", "[0-9]");
	size_t		 i;

	for (i = 0; i < sizeof(msg) - 1; i++)
		msg[i] = i % 2 ? ' ' : '7';
	msg[sizeof(msg) - 1] = '\0';
	/* 300 markers would need 300 * 13 bytes: neighbours are joined. */
	apply(r, msg);
	assert_true(strchr(outbuf, '7') == NULL);
	redact_set_key(r, (const unsigned char *)"k", 1);
	apply(r, msg);			/* apply checks the bound */
	assert_true(redact_memory(r) > sizeof(msg));
	redact_free(r);
}

static void
test_redacting_the_output_again_changes_nothing(void **state)
{
	static const char	 msg[] = "{\"password\":\"p\",\"to\":\"a@b.co\"} "
	    "1.2.3.4 Bearer abcdefghij " JWT " AKIAIOSFODNN7EXAMPLE "
	    "4111 1111 1111 1111 passwd=a@b.co,1.2.3.4";
	struct redact		*r = mk(ALL);
	char			 first[sizeof(outbuf)];
	size_t			 olen;

	snprintf(first, sizeof(first), "%s", apply(r, msg));
	assert_ptr_equal(redact_apply(r, first, strlen(first), &olen, counts),
	    first);
	redact_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup(f, reset)
		T(test_email_in_quotes_urls_and_mailto),
		T(test_email_needs_a_domain_with_a_tld_of_letters),
		T(test_email_local_part_is_a_dot_atom),
		T(test_ipv4_dotted_quads),
		T(test_ipv4_boundaries),
		T(test_card_test_numbers_of_each_brand),
		T(test_card_grouped_by_spaces_or_hyphens),
		T(test_card_that_fails_luhn_is_an_order_id),
		T(test_card_not_part_of_a_longer_run_or_word),
		T(test_bearer_token_is_masked_the_word_kept),
		T(test_bearer_short_tokens_only_after_authorization),
		T(test_basic_credentials_after_authorization),
		T(test_jwt_three_segments),
		T(test_jwt_needs_its_shape),
		T(test_aws_access_key_ids),
		T(test_aws_key_is_a_word_of_exactly_20),
		T(test_aws_secret_access_key_value),
		T(test_password_key_value),
		T(test_password_colon_and_quoted),
		T(test_password_in_json_keeps_it_valid),
		T(test_password_in_json_inside_a_json_string),
		T(test_password_other_keys_left_alone),
		T(test_matches_are_found_at_every_offset),
		T(test_password_key_ending_in_the_last_value),
		T(test_hash_is_hmac_sha256_of_the_match),
		T(test_equal_values_give_equal_hashes),
		T(test_custom_regex_whole_match),
		T(test_custom_empty_matches_are_skipped),
		T(test_custom_matches_between_nul_bytes),
		T(test_custom_rule_errors),
		T(test_rules_and_their_names_in_order),
		T(test_overlaps_merge_named_by_the_earlier_rule),
		T(test_counts_per_rule),
		T(test_nothing_matched_returns_the_message_itself),
		T(test_a_marker_made_beside_text_is_checked_again),
		T(test_widening_stops_after_its_passes_at_the_whole_line),
		T(test_spans_past_the_most_join_their_neighbours),
		T(test_output_stays_within_its_bound),
		T(test_redacting_the_output_again_changes_nothing),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
