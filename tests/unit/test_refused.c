/*
 * test_refused.c: the record of refused files: each said once per cause,
 * again when the cause changes or after the file was let go; bounded,
 * with one summary past the bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <cmocka.h>

#include "log.h"
#include "refused.h"

#define DIR	"/logs"

static const char *
name(int i)
{
	static char	 p[64];

	snprintf(p, sizeof(p), DIR "/app-%05d.log", i);
	return p;
}

static int
note(struct refused *r, int i, int cause)
{
	return refused_note(r, name(i), DIR, cause);
}

static void
test_a_file_is_said_once_per_cause(void **state)
{
	struct refused	*r = refused_new();
	int		 scan;

	assert_int_equal(note(r, 1, EACCES), 1);
	for (scan = 0; scan < 10; scan++) {
		assert_int_equal(note(r, 1, EACCES), 0);
		refused_sweep(r);
	}
	assert_int_equal(refused_count(r), 1);
	assert_int_equal(note(r, 1, REFUSED_SYMLINK), 1);
	assert_int_equal(note(r, 1, REFUSED_SYMLINK), 0);
	assert_int_equal(note(r, 1, EACCES), 1);
	refused_free(r);
}

static void
test_a_file_opened_or_gone_is_said_again(void **state)
{
	struct refused	*r = refused_new();

	assert_int_equal(note(r, 1, EACCES), 1);
	refused_forget(r, name(1));
	assert_int_equal(note(r, 1, EACCES), 1);
	/* A scan that does not report it: gone, let go. */
	refused_sweep(r);
	assert_int_equal(refused_count(r), 1);
	refused_sweep(r);
	assert_int_equal(refused_count(r), 0);
	assert_int_equal(note(r, 1, EACCES), 1);
	refused_free(r);
}

/* Deleting from the middle of probe runs must not hide later entries. */
static void
test_lookups_hold_across_many_forgets(void **state)
{
	struct refused	*r = refused_new();
	int		 i;

	for (i = 0; i < REFUSED_MAX; i++)
		assert_int_equal(note(r, i, EACCES), 1);
	for (i = 0; i < REFUSED_MAX; i += 2)
		refused_forget(r, name(i));
	for (i = 1; i < REFUSED_MAX; i += 2)
		assert_int_equal(note(r, i, EACCES), 0);
	for (i = 0; i < REFUSED_MAX; i += 2)
		assert_int_equal(note(r, i, EACCES), 1);
	refused_free(r);
}

static void
test_past_the_bound_one_summary_then_silence_counted(void **state)
{
	struct refused	*r = refused_new();
	int		 i, said = 0;

	for (i = 0; i < REFUSED_MAX + 100; i++)
		said += note(r, i, ELOOP);
	assert_int_equal(said, REFUSED_MAX + 1);
	refused_sweep(r);
	assert_int_equal(refused_count(r), REFUSED_MAX + 100);
	/* The next scan finds them all again: nothing more is said. */
	for (i = 0; i < REFUSED_MAX + 100; i++)
		assert_int_equal(note(r, i, ELOOP), 0);
	refused_sweep(r);
	/* All gone; a scan without them makes room, and new ones are said. */
	refused_sweep(r);
	assert_int_equal(refused_count(r), 0);
	assert_int_equal(note(r, REFUSED_MAX + 200, ELOOP), 1);
	refused_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_file_is_said_once_per_cause),
		cmocka_unit_test(test_a_file_opened_or_gone_is_said_again),
		cmocka_unit_test(test_lookups_hold_across_many_forgets),
		cmocka_unit_test(
		    test_past_the_bound_one_summary_then_silence_counted),
	};

	log_set_level(LOG_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
