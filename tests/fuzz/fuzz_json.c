/*
 * fuzz_json.c: a log line that claims to be JSON (parse = json).  When
 * json_object takes it, the whole line is valid JSON and so is every
 * member value it hands on, which the encoder copies verbatim; its
 * members come sorted by name, no name kept twice.
 */
#include <string.h>

#include "fuzz.h"
#include "json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_obj	 o;
	const char		*p = (const char *)data;
	int			 i, j, valid;

	valid = json_valid(p, size);
	if (json_object(p, size, "time", "msg", &o) == -1)
		return 0;
	FUZZ_CHECK(valid);
	FUZZ_CHECK(o.n >= 0 && o.n <= JSON_MAX_MEMBERS);
	for (i = 0; i < o.n; i++)
		FUZZ_CHECK(json_valid(o.members[i].value,
		    o.members[i].valuelen));
	/* Sorted by name, repeats after the first of their name and
	 * skipped; no name kept twice. */
	for (i = 1; i < o.n; i++) {
		const struct json_member *a = &o.members[o.byname[i - 1]];
		const struct json_member *b = &o.members[o.byname[i]];
		int c = strcmp(a->key, b->key);

		FUZZ_CHECK(c < 0 || (c == 0 && o.byname[i - 1] < o.byname[i] &&
		    b->skip));
	}
	for (i = 0; i < o.n; i++)
		for (j = i + 1; j < o.n; j++)
			FUZZ_CHECK(o.members[i].skip || o.members[j].skip ||
			    strcmp(o.members[i].key, o.members[j].key) != 0);
	if (o.time != NULL)
		FUZZ_CHECK(json_valid(o.time, o.timelen));
	if (o.msg != NULL)
		FUZZ_CHECK(json_valid(o.msg, o.msglen));
	return 0;
}
