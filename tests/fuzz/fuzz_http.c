/*
 * fuzz_http.c: a backend's reply, any bytes, arriving in pieces of any
 * size (the first byte picks it).  The parser must end DONE, BAD or
 * AGAIN, always make progress, say why when BAD, and keep the body it
 * reports within its buffer.
 */
#include "fuzz.h"
#include "http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_resp	 r;
	char			 body[256];
	size_t			 off = 0, n, used, step;
	enum http_rc		 rc = HTTP_AGAIN;

	if (size == 0)
		return 0;
	step = data[0] % 64 + 1;
	data++;
	size--;
	http_resp_init(&r, body, sizeof(body));
	while (rc == HTTP_AGAIN && off < size) {
		n = size - off < step ? size - off : step;
		rc = http_resp_feed(&r, (const char *)data + off, n, &used);
		FUZZ_CHECK(used <= n);
		FUZZ_CHECK(rc != HTTP_AGAIN || used == n);
		off += used;
	}
	if (rc == HTTP_AGAIN)
		rc = http_resp_eof(&r);
	FUZZ_CHECK(rc == HTTP_DONE || rc == HTTP_BAD);
	if (rc == HTTP_BAD)
		FUZZ_CHECK(r.error[0] != '\0');
	else {
		FUZZ_CHECK(r.status >= 100 && r.status <= 599);
		FUZZ_CHECK(r.bodylen <= sizeof(body));
		FUZZ_CHECK(r.bodylen <= r.bodytotal);
	}
	return 0;
}
