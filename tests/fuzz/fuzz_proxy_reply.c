/*
 * fuzz_proxy_reply.c: a proxy's reply to CONNECT, any bytes, read as
 * conn.c reads it: growing, a piece at a time (the first byte picks the
 * size).  Once whole, its head ends within what was read, after a
 * status in 100..999 and a status line that is printable and
 * terminated; refused bytes are refused for good (a longer read of the
 * same bytes is refused too).
 */
#include <string.h>

#include "fuzz.h"
#include "http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 line[128];
	size_t	 have, step, i;
	int	 status, rc = 0, refused = 0;

	if (size == 0)
		return 0;
	step = data[0] % 32 + 1;
	data++;
	size--;
	for (have = 0; have < size;) {
		have = size - have < step ? size : have + step;
		memset(line, 'x', sizeof(line));
		status = -1;
		rc = http_connect_reply((const char *)data, have, &status, line,
		    sizeof(line));
		FUZZ_CHECK(!refused || rc == -1);
		if (rc == -1) {
			refused = 1;
			continue;
		}
		FUZZ_CHECK(rc >= 0 && (size_t)rc <= have);
		if (rc == 0)
			continue;
		FUZZ_CHECK(status >= 100 && status <= 999);
		FUZZ_CHECK(memchr(line, '\0', sizeof(line)) != NULL);
		for (i = 0; line[i] != '\0'; i++)
			FUZZ_CHECK(line[i] >= 0x20 && line[i] < 0x7f);
		FUZZ_CHECK(memcmp(data + rc - 4, "\r\n\r\n", 4) == 0);
		break;
	}
	return 0;
}
