/*
 * fuzz_bulk.c: an Elasticsearch _bulk reply, any bytes, for a request
 * of 1 to 64 items (the first byte picks how many).  Either it is read
 * whole, every item with a status in 100..599 and a terminated error
 * type, or it is refused; never a read past the reply.
 */
#include <string.h>

#include "bulk.h"
#include "fuzz.h"

#define ITEMS	64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int	 status[ITEMS], n, i;
	char	 errtype[ITEMS][BULK_ERRTYPE];

	if (size == 0)
		return 0;
	n = data[0] % ITEMS + 1;
	memset(errtype, 'x', sizeof(errtype));
	if (bulk_parse((const char *)data + 1, size - 1, status, errtype,
	    n) == -1)
		return 0;
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(status[i] >= 100 && status[i] <= 599);
		FUZZ_CHECK(memchr(errtype[i], '\0', BULK_ERRTYPE) != NULL);
	}
	return 0;
}
