/*
 * run_metrics.c: the figures /metrics serves, in Prometheus text format:
 * SPEC's list, plus what an operator needs to see loss and lag at a
 * glance (bytes lost to truncation, records cut, files at risk,
 * checkpoint and reload failures).
 */
#include <stddef.h>
#include <string.h>

#include "procstat.h"
#include "run_int.h"

#define COUNTER(b, name, help, v) do {					\
	metrics_printf(b, "# HELP " name " " help "\n# TYPE " name		\
	    " counter\n" name " %llu\n", (unsigned long long)(v));	\
} while (0)
#define GAUGE(b, name, help, v) do {					\
	metrics_printf(b, "# HELP " name " " help "\n# TYPE " name		\
	    " gauge\n" name " %llu\n", (unsigned long long)(v));		\
} while (0)

static void
requests(struct metrics_buf *b, const struct output_stats *os)
{
	int	 i;

	metrics_printf(b, "# HELP sidelog_requests_total Requests by HTTP "
	    "status; \"error\": no response; \"proxy_N\": the proxy refused "
	    "the tunnel with status N.\n"
	    "# TYPE sidelog_requests_total counter\n");
	for (i = 0; i < os->ncodes; i++) {
		if (os->codes[i].code == 0)
			metrics_printf(b, "sidelog_requests_total{code=\"error\"}"
			    " %llu\n", (unsigned long long)os->codes[i].n);
		else if (os->codes[i].code > OUTPUT_PROXY)
			metrics_printf(b, "sidelog_requests_total{code=\""
			    "proxy_%d\"} %llu\n", os->codes[i].code -
			    OUTPUT_PROXY, (unsigned long long)os->codes[i].n);
		else
			metrics_printf(b, "sidelog_requests_total{code=\"%d\"} "
			    "%llu\n", os->codes[i].code,
			    (unsigned long long)os->codes[i].n);
	}
}

/* What the sinks in place count: the output's figures, or stdout's
 * when it is the only sink. */
static void
live(const struct run *r, struct output_stats *os)
{
	memset(os, 0, sizeof(*os));
	if (r->out != NULL)
		output_stats(r->out, os);
	else if (r->emit != NULL)
		os->delivered = emit_delivered(r->emit);
}

/* Adds from's counters to to's; the held gauge is not a counter. */
static void
add_counters(struct output_stats *to, const struct output_stats *from)
{
	int	 i, j;

	to->delivered += from->delivered;
	if (from->last_ms > to->last_ms)
		to->last_ms = from->last_ms;
	to->rejected += from->rejected;
	to->retries += from->retries;
	for (i = 0; i < from->ncodes; i++) {
		for (j = 0; j < to->ncodes; j++)
			if (to->codes[j].code == from->codes[i].code)
				break;
		if (j == to->ncodes) {
			if (to->ncodes == OUTPUT_MAX_CODES)
				continue;	/* as output.c: past the cap,
						   new codes go uncounted */
			to->codes[to->ncodes].code = from->codes[i].code;
			to->codes[to->ncodes++].n = 0;
		}
		to->codes[j].n += from->codes[i].n;
	}
}

/*
 * A reload is about to free the sinks, and their counters with them:
 * they carry on in r->gone, so that what /metrics calls a counter
 * never goes down (Prometheus would read a reset as a restart).
 */
void
run_keep_counters(struct run *r)
{
	struct output_stats	 os;

	live(r, &os);
	add_counters(&r->gone, &os);
}

static void
delivery(struct run *r, struct metrics_buf *b)
{
	struct output_stats	 now, os;

	live(r, &now);
	os = r->gone;
	add_counters(&os, &now);
	os.held = now.held;
	COUNTER(b, "sidelog_records_delivered_total", "Records the backend "
	    "acknowledged (stdout took, without [output]).", os.delivered);
	COUNTER(b, "sidelog_records_rejected_total", "Records the backend "
	    "refused for good (dead letters).", os.rejected);
	COUNTER(b, "sidelog_retries_total", "Requests sent again.",
	    os.retries);
	GAUGE(b, "sidelog_memory_held_bytes", "Bytes of batches in memory.",
	    os.held);
	GAUGE(b, "sidelog_memory_limit_bytes", "memory_limit: the ceiling on "
	    "bytes of batches in memory.", r->cfg->memory_limit);
	metrics_printf(b, "# HELP sidelog_last_delivery_timestamp_seconds "
	    "When the backend last acknowledged records (0: not yet).\n"
	    "# TYPE sidelog_last_delivery_timestamp_seconds gauge\n"
	    "sidelog_last_delivery_timestamp_seconds %.3f\n",
	    (double)os.last_ms / 1000);
	requests(b, &os);
}

/* How long the checkpoint on disk has lacked acknowledged offsets: 0
 * while it holds them all, growing while saves fail or wait. */
static void
checkpoint_age(const struct run *r, struct metrics_buf *b)
{
	uint64_t	 since = r->saving_since;

	if (since == 0 || (r->unsaved_since != 0 && r->unsaved_since < since))
		since = r->unsaved_since;
	metrics_printf(b, "# HELP sidelog_checkpoint_age_seconds How long "
	    "the checkpoint has lacked acknowledged offsets (0: it holds "
	    "them all).\n# TYPE sidelog_checkpoint_age_seconds gauge\n"
	    "sidelog_checkpoint_age_seconds %.3f\n", since == 0 ? 0.0 :
	    (double)(loop_now(r->lp) - since) / 1000);
}

static const struct stage_counts *
counts_of(const struct stage_counts *c, const char *input)
{
	int	 i;

	for (i = 0; i < CONFIG_MAX_INPUTS; i++)
		if (strcmp(c[i].input, input) == 0)
			return &c[i];
	return NULL;
}

/* One counter of the stages per input of the configuration now; field:
 * its offset in struct stage_counts. */
static void
per_input(struct run *r, struct metrics_buf *b, const char *metric,
    const char *help, const struct stage_counts *counts, size_t field)
{
	const struct stage_counts	*c;
	int				 i;

	metrics_printf(b, "# HELP %s %s\n# TYPE %s counter\n", metric, help,
	    metric);
	for (i = 0; i < r->cfg->ninputs; i++) {
		c = counts_of(counts, r->cfg->inputs[i].name);
		metrics_printf(b, "%s{input=\"%s\"} %llu\n", metric,
		    r->cfg->inputs[i].name, (unsigned long long)(c == NULL ? 0 :
		    *(const uint64_t *)((const char *)c + field)));
	}
}

/* The processing stages' counters, per input of the configuration now. */
static void
processing(struct run *r, struct metrics_buf *b,
    const struct stage_counts *counts)
{
	const struct stage_counts	*c;
	const char			*name;
	int				 i, k;

	per_input(r, b, "sidelog_lines_filtered_total", "Records include_lines "
	    "or exclude_lines dropped (consumed: delivered), per input.",
	    counts, offsetof(struct stage_counts, filtered));
	per_input(r, b, "sidelog_parse_errors_total", "Lines that did not "
	    "parse (shipped as plain messages) and times that did not parse, "
	    "per input.", counts, offsetof(struct stage_counts, parse_errors));
	metrics_printf(b, "# HELP sidelog_redactions_total Matches masked, "
	    "per input and rule.\n# TYPE sidelog_redactions_total counter\n");
	for (i = 0; i < r->cfg->ninputs; i++) {
		name = r->cfg->inputs[i].name;
		c = counts_of(counts, name);
		for (k = 0; c != NULL && k < c->nrules; k++)
			metrics_printf(b, "sidelog_redactions_total{input=\"%s\","
			    "rule=\"%s\"} %llu\n", name, c->rules[k].name,
			    (unsigned long long)c->rules[k].n);
	}
}

static void
reading(struct run *r, struct metrics_buf *b)
{
	struct reader_stats	 st;
	int			 i;

	reader_stats(r->rd, &st);
	COUNTER(b, "sidelog_lines_read_total", "Records cut from the files.",
	    st.lines);
	COUNTER(b, "sidelog_bytes_read_total", "File bytes read into "
	    "records.", st.bytes);
	COUNTER(b, "sidelog_lines_cut_total", "Records shipped without their "
	    "newline (over max_line_bytes, or flushed).", st.cut);
	COUNTER(b, "sidelog_bytes_skipped_total", "File bytes lost to "
	    "truncation before they were read.", st.skipped);
	GAUGE(b, "sidelog_files_open", "Files followed and open.", st.files);
	GAUGE(b, "sidelog_files_followed", "Files followed, open or closed "
	    "while idle.", st.followed);
	GAUGE(b, "sidelog_files_at_risk", "Files rotated away or deleted, "
	    "not yet read to their end.", st.at_risk);
	GAUGE(b, "sidelog_files_refused", "Files matching the globs that "
	    "are not read (open failed, not a regular file, a symlink "
	    "leading out), at the last full scan.", st.refused);
	metrics_printf(b, "# HELP sidelog_lag_bytes File bytes not yet "
	    "delivered, per input.\n# TYPE sidelog_lag_bytes gauge\n");
	for (i = 0; i < r->cfg->ninputs; i++)
		metrics_printf(b, "sidelog_lag_bytes{input=\"%s\"} %llu\n",
		    r->cfg->inputs[i].name,
		    (unsigned long long)st.input_lag[i]);
	processing(r, b, st.counts);
	COUNTER(b, "sidelog_throttle_bypassed_bytes_total", "Bytes of deleted "
	    "files read past max_read_rate, so that their disk space is "
	    "freed.", st.bypassed);
}

void
run_collect(void *arg, struct metrics_buf *b)
{
	struct run	*r = arg;

	reading(r, b);
	delivery(r, b);
	GAUGE(b, "sidelog_watch_mode", "1: inotify, 0: polling.",
	    r->w != NULL && watch_is_inotify(r->w));
	COUNTER(b, "sidelog_checkpoint_saves_total", "Checkpoint writes.",
	    r->saves);
	COUNTER(b, "sidelog_checkpoint_errors_total", "Checkpoint writes "
	    "that failed (retried).", r->save_errors);
	checkpoint_age(r, b);
	COUNTER(b, "sidelog_reloads_total", "Configurations applied.",
	    r->reloads);
	COUNTER(b, "sidelog_reload_errors_total", "New configurations "
	    "refused as invalid.", r->reload_errors);
	metrics_printf(b, "# HELP sidelog_build_info sidelog's version.\n"
	    "# TYPE sidelog_build_info gauge\n"
	    "sidelog_build_info{version=\"%s\"} 1\n", SIDELOG_VERSION);
	procstat_collect(b);
}
