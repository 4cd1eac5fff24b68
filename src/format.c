/*
 * format.c: which format a configuration's [output] speaks.  A new
 * format is a file of its own (format_NAME.c, its ops table) and one line
 * here.
 */
#include "format.h"

static const struct format_ops *const formats[] = {
	[FORMAT_NDJSON] = &format_ndjson,
	[FORMAT_ELASTICSEARCH] = &format_elasticsearch,
	[FORMAT_OTLP] = &format_otlp,
	[FORMAT_LOKI] = &format_loki,
	[FORMAT_SPLUNK_HEC] = &format_splunk_hec,
};

const struct format_ops *
format_of(const struct config_output *oc)
{
	return formats[oc->format];
}
