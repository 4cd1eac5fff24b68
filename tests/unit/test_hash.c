/*
 * test_hash.c: SipHash-2-4 against the paper's vectors, and the
 * properties record ids rely on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hash.h"

static const struct hash_key paper_key = {
	0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL
};

static void
test_siphash_matches_the_reference_vectors(void **state)
{
	unsigned char	 msg[64];
	int		 i;

	for (i = 0; i < 64; i++)
		msg[i] = (unsigned char)i;
	/* Appendix A of the paper; the others from its vectors.h. */
	assert_int_equal(hash_bytes(&paper_key, msg, 15),
	    0xa129ca6149be45e5ULL);
	assert_int_equal(hash_bytes(&paper_key, msg, 0),
	    0x726fdb47dd0e0e31ULL);
	assert_int_equal(hash_bytes(&paper_key, msg, 8),
	    0x93f5f5799a932462ULL);
	assert_int_equal(hash_bytes(&paper_key, msg, 63),
	    0x958a324ceb064572ULL);
}

static void
test_same_line_same_id(void **state)
{
	struct hash_key	 a[2], b[2];
	char		 x[HASH_ID_LEN + 1], y[HASH_ID_LEN + 1];

	hash_id_key(a, "web-0", "app", 1234, 0xabcdef);
	hash_id_key(b, "web-0", "app", 1234, 0xabcdef);
	hash_id(a, 4096, x);
	hash_id(b, 4096, y);
	assert_string_equal(x, y);
	assert_int_equal(strlen(x), HASH_ID_LEN);
	assert_int_equal(strspn(x, "0123456789abcdef"), HASH_ID_LEN);
}

static void
test_ids_differ_by_pod_file_and_offset(void **state)
{
	struct hash_key	 k[2];
	char		 base[HASH_ID_LEN + 1], other[HASH_ID_LEN + 1];

	hash_id_key(k, "web-0", "app", 1234, 0xabcdef);
	hash_id(k, 4096, base);
	hash_id(k, 4097, other);
	assert_string_not_equal(base, other);
	hash_id_key(k, "web-1", "app", 1234, 0xabcdef);
	hash_id(k, 4096, other);
	assert_string_not_equal(base, other);
	hash_id_key(k, "web-0", "app", 1235, 0xabcdef);
	hash_id(k, 4096, other);
	assert_string_not_equal(base, other);
	hash_id_key(k, "web-0", "app", 1234, 0xabcdee);
	hash_id(k, 4096, other);
	assert_string_not_equal(base, other);
	hash_id_key(k, "web-0", "api", 1234, 0xabcdef);
	hash_id(k, 4096, other);
	assert_string_not_equal(base, other);
}

static void
test_seed_and_input_do_not_run_together(void **state)
{
	struct hash_key	 k[2];
	char		 a[HASH_ID_LEN + 1], b[HASH_ID_LEN + 1];

	hash_id_key(k, "web-0a", "pp", 1, 2);
	hash_id(k, 0, a);
	hash_id_key(k, "web-0", "app", 1, 2);
	hash_id(k, 0, b);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_matches_the_reference_vectors),
		cmocka_unit_test(test_same_line_same_id),
		cmocka_unit_test(test_ids_differ_by_pod_file_and_offset),
		cmocka_unit_test(test_seed_and_input_do_not_run_together),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
