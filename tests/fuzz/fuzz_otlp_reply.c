/*
 * fuzz_otlp_reply.c: an OTLP ExportLogsServiceResponse (a 2xx reply),
 * any bytes, for a batch of 1 to 64 records (the first byte picks how
 * many; the second whether the body was cut short).  It is always read
 * (a reply OTLP cannot be read is taken as a success, never a reason to
 * send again), the count of refused records is never negative, and the
 * backend's message is a terminated string within its buffer.
 */
#include <string.h>

#include "format.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_output	 oc = { .url = "https://h/v1/logs" };
	struct format_reply	 r;

	if (size < 2)
		return 0;
	memset(&r, 0, sizeof(r));
	memset(r.message, 'x', sizeof(r.message));
	r.message[0] = '\0';
	r.n = data[0] % 64 + 1;
	FUZZ_CHECK(format_otlp.reply(&oc, (const char *)data + 2, size - 2,
	    data[1] & 1, &r) == FORMAT_READ);
	FUZZ_CHECK(r.refused >= 0);
	FUZZ_CHECK(memchr(r.message, '\0', sizeof(r.message)) != NULL);
	FUZZ_CHECK(!r.per_item);
	return 0;
}
