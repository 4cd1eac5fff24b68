/*
 * format_ndjson.c: `format = ndjson`: one record a line, the batch the
 * lines back to back; a 2xx delivers every record.
 */
#include "format.h"

static size_t
add(const struct config_output *oc, const struct record_tpl *tpl,
    const struct record_vals *v, char *out)
{
	return record_encode(tpl, v, out);
}

const struct format_ops format_ndjson = {
	.name = "ndjson",
	.as_is = 1,
	.content_type = "application/x-ndjson",
	.add = add,
};
