/*
 * fuzz_labels.c: a Downward API labels file, any bytes.  What is kept
 * is at most LABELS_MAX pairs, and records built with them as
 * kubernetes.labels.* are valid JSON whatever the keys and values hold.
 */
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "labels.h"
#include "line.h"
#include "record.h"

static const char base[] =
    "[input.app]\npaths = /logs/*.log\n"
    "[metadata]\nkubernetes.pod.name = web-0\n"
    "[stdout]\nenabled = true\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config	*cfg;
	static const char	 msg[] = "GET /healthz 200";
	struct line_rec		 l = { msg, sizeof(msg) - 1, 0, sizeof(msg),
				    NULL, 0, LINE_STREAM_NONE, 0 };
	struct record_tpl	*t;
	struct labels		*lb;

	if (cfg == NULL)
		cfg = fuzz_config(base);
	lb = labels_parse((const char *)data, size);
	if (lb == NULL)
		return 0;
	FUZZ_CHECK(lb->n >= 0 && lb->n <= LABELS_MAX);
	t = record_tpl_new(cfg, &cfg->inputs[0], lb->pairs, lb->n);
	if (t != NULL) {
		fuzz_record_check(t, &l, NULL);
		record_tpl_free(t);
	}
	labels_free(lb);
	return 0;
}
