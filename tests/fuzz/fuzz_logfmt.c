/*
 * fuzz_logfmt.c: any bytes as a logfmt line (parse = logfmt).  What
 * logfmt_json() writes is 0 bytes or one valid JSON object within
 * LOGFMT_MAX(); every value a string or true.  The object it builds as
 * it writes is the one json_object() reads from the text: the same
 * members, the same marks, and refused when that is (more than
 * JSON_MAX_MEMBERS pairs, or names past JSON_NAMES).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "logfmt.h"

/* Valid JSON, however many values (json_valid() stops at
 * JSON_MAX_TOKENS; a long line has more pairs than that). */
static int
valid(const char *p, size_t n)
{
	struct json_cur	 c;

	json_cur_init(&c, p, n, INT_MAX);
	return json_skip(&c) == 0 && json_done(&c);
}

static void
same(const struct json_obj *a, const struct json_obj *b)
{
	int	 i;

	FUZZ_CHECK(a->n == b->n);
	FUZZ_CHECK((a->msg == NULL) == (b->msg == NULL));
	FUZZ_CHECK((a->time == NULL) == (b->time == NULL));
	for (i = 0; i < a->n; i++) {
		FUZZ_CHECK(strcmp(a->members[i].key, b->members[i].key) == 0);
		FUZZ_CHECK(a->members[i].valuelen == b->members[i].valuelen);
		FUZZ_CHECK(a->members[i].skip == b->members[i].skip);
		FUZZ_CHECK(a->byname[i] == b->byname[i]);
		FUZZ_CHECK(*a->members[i].value == '"' ||
		    *a->members[i].value == 't');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_obj	 built, read;
	char			*out, *text;
	size_t			 n, m;

	out = malloc(LOGFMT_MAX(size));
	text = malloc(LOGFMT_MAX(size));
	FUZZ_CHECK(out != NULL && text != NULL);
	n = logfmt_json((const char *)data, size, text, NULL);
	FUZZ_CHECK(n <= LOGFMT_MAX(size));
	json_obj_begin(&built, "ts", "msg");
	m = logfmt_json((const char *)data, size, out, &built);
	if (n > 0) {
		FUZZ_CHECK(valid(text, n));
		if (json_object(text, n, "ts", "msg", &read) == 0) {
			FUZZ_CHECK(m == n && memcmp(out, text, n) == 0);
			json_obj_end(&built);
			same(&built, &read);
		} else	/* too many pairs, or names too long */
			FUZZ_CHECK(m == 0);
	} else
		FUZZ_CHECK(m == 0);
	free(out);
	free(text);
	return 0;
}
