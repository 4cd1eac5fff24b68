/*
 * fuzz_json.c: a log line that claims to be JSON (parse = json).  When
 * json_object takes it, the whole line is valid JSON and so is every
 * member value it hands on, which the encoder copies verbatim.
 */
#include "fuzz.h"
#include "json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_obj	 o;
	const char		*p = (const char *)data;
	int			 i, valid;

	valid = json_valid(p, size);
	if (json_object(p, size, "time", "msg", &o) == -1)
		return 0;
	FUZZ_CHECK(valid);
	FUZZ_CHECK(o.n >= 0 && o.n <= JSON_MAX_MEMBERS);
	for (i = 0; i < o.n; i++)
		FUZZ_CHECK(json_valid(o.members[i].value,
		    o.members[i].valuelen));
	if (o.time != NULL)
		FUZZ_CHECK(json_valid(o.time, o.timelen));
	if (o.msg != NULL)
		FUZZ_CHECK(json_valid(o.msg, o.msglen));
	return 0;
}
