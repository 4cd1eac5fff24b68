/*
 * fuzz_redact.c: any message through every built-in rule and one
 * custom regex; the first byte's low bit asks for keyed hashes.  The
 * output is never longer than REDACT_OUT_MAX(len), and the same input
 * gives the same output.  Without a key the masked text is a fixpoint:
 * redacting it again matches nothing (redact.h: no rule finds a match
 * outside one marker, and neither the built-ins nor this regex match
 * inside one), so redact_apply hands the copy back untouched.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "redact.h"

#define ALL	"email,ipv4,credit_card,bearer,jwt,aws_key,password"

static struct redact *
rules(void)
{
	static const struct config_pair	 custom = { "tok",
					    "tok_[0-9a-f]{4,}|^x+|y+$", 1 };
	static struct redact		*r;
	char				 err[200];

	if (r == NULL)
		r = redact_new(ALL, &custom, 1, err, sizeof(err));
	FUZZ_CHECK(r != NULL);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct redact	*r = rules();
	uint64_t	 counts[REDACT_MAX_RULES] = { 0 };
	const char	*msg = (const char *)data + 1, *o;
	char		*first;
	size_t		 len, olen, again;
	int		 keyed, i;

	if (size == 0)
		return 0;
	len = size - 1;
	keyed = data[0] & 1;
	FUZZ_CHECK(redact_set_key(r, keyed ? (const unsigned char *)"fuzz" :
	    NULL, 4) == 0);
	o = redact_apply(r, msg, len, &olen, counts);
	FUZZ_CHECK(o != NULL);
	FUZZ_CHECK(olen <= REDACT_OUT_MAX(len));
	FUZZ_CHECK(o != msg || olen == len);
	first = malloc(olen ? olen : 1);
	FUZZ_CHECK(first != NULL);
	memcpy(first, o, olen);

	o = redact_apply(r, msg, len, &again, counts);
	FUZZ_CHECK(o != NULL && again == olen && memcmp(o, first, olen) == 0);
	if (!keyed) {
		memset(counts, 0, sizeof(counts));
		o = redact_apply(r, first, olen, &again, counts);
		FUZZ_CHECK(o == first && again == olen);
		for (i = 0; i < redact_nrules(r); i++)
			FUZZ_CHECK(counts[i] == 0);
	}
	free(first);
	return 0;
}
