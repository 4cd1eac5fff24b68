/*
 * fuzz_logfmt.c: any bytes as a logfmt line (parse = logfmt).  What
 * logfmt_json() writes is 0 bytes or one valid JSON object within
 * LOGFMT_MAX(), which json_object() takes whole when it has at most
 * JSON_MAX_MEMBERS pairs; every value is a string or true.
 */
#include <limits.h>
#include <stdlib.h>

#include "fuzz.h"
#include "json.h"
#include "logfmt.h"

/* Members of the object at p, counted without json_object()'s bounds. */
static int
members(const char *p, size_t n)
{
	struct json_cur	 c;
	const char	*name;
	size_t		 len;
	int		 i = 0, k = 0;

	json_cur_init(&c, p, n, INT_MAX);
	FUZZ_CHECK(json_enter(&c, '{') == 0);
	while (json_member(&c, &i, &name, &len) == 1) {
		FUZZ_CHECK(json_skip(&c) == 0);
		k++;
	}
	return k;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_obj	 o;
	char			*out;
	size_t			 n;
	int			 i;

	out = malloc(LOGFMT_MAX(size));
	FUZZ_CHECK(out != NULL);
	n = logfmt_json((const char *)data, size, out);
	FUZZ_CHECK(n <= LOGFMT_MAX(size));
	if (n > 0) {
		FUZZ_CHECK(json_valid(out, n));
		if (json_object(out, n, NULL, NULL, &o) == 0)
			for (i = 0; i < o.n; i++)
				FUZZ_CHECK(*o.members[i].value == '"' ||
				    *o.members[i].value == 't');
		else	/* only too many pairs may be refused */
			FUZZ_CHECK(members(out, n) > JSON_MAX_MEMBERS);
	}
	free(out);
	return 0;
}
