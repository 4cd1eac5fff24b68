/*
 * fuzz_hec_error.c: a Splunk HEC error body, any bytes.  Either it is
 * read, with a code in 0..1000 and a terminated text, or it is refused
 * with code -1; never a read past the body.  What the format makes of it
 * for a 400 is one of the two answers, and its line for the log is a
 * terminated string.
 */
#include <string.h>

#include "format.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 text[64], why[200];
	int	 code;
	enum format_err e;

	memset(text, 'x', sizeof(text));
	if (format_hec_error((const char *)data, size, &code, text,
	    sizeof(text)) == 0)
		FUZZ_CHECK(code >= 0 && code <= 1000);
	else
		FUZZ_CHECK(code == -1);
	FUZZ_CHECK(memchr(text, '\0', sizeof(text)) != NULL);
	memset(why, 'x', sizeof(why));
	why[0] = '\0';
	e = format_splunk_hec.error(400, (const char *)data, size, why,
	    sizeof(why));
	FUZZ_CHECK(e == FORMAT_ERR_STATUS || e == FORMAT_ERR_AGAIN);
	FUZZ_CHECK(memchr(why, '\0', sizeof(why)) != NULL);
	return 0;
}
