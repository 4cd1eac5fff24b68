/*
 * run_wire.c: what the configuration decides but holds no data: the
 * sinks it asks for and how they are wired to the reader and the
 * checkpoint, the watcher and the listener (rebuilt as a whole by a
 * reload), and the memory the configuration may take.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "stages.h"
#include "reader.h"
#include "run.h"
#include "run_int.h"
#include "watch.h"

/* The record size the stdout buffer must always be able to take. */
static size_t
emit_cap(const struct config *cfg)
{
	uint64_t	 max;

	/* The path, keys and metadata on top. */
	max = stages_record_max(cfg) + 6 * PATH_MAX + 64 * 1024;
	return max > EMIT_MIN_CAP ? (size_t)max : EMIT_MIN_CAP;
}

/*
 * What sidelog may hold in memory, by part: memory_limit bounds the
 * batches, and each other buffer has its own bound, so the sum is the
 * ceiling (README "Memory"); files followed add about 1 KiB each.
 */
void
run_budget(const struct config *cfg, struct run_budget *b)
{
	const struct config_output	*oc = &cfg->output;

	memset(b, 0, sizeof(*b));
	if (oc->enabled) {
		b->batches = cfg->memory_limit + output_overshoot(cfg);
		b->replies = (uint64_t)oc->max_in_flight * output_reply_cap(oc);
	}
	b->lines = reader_buffer_bytes(cfg) + (cfg->emit_enabled ?
	    emit_cap(cfg) : 0);
	/* Through an https:// proxy a connection holds two TLS sessions. */
	b->base = RUN_BASE_BYTES + (oc->enabled ? (uint64_t)oc->max_in_flight *
	    RUN_CONN_BYTES * (oc->proxy_on && oc->pu.tls ? 2 : 1) : 0);
	b->total = b->batches + b->replies + b->lines + b->base;
}

/*
 * The budget in words, for check and the start; *warn is set when
 * max_line_bytes makes the line buffers larger than memory_limit.
 */
void
run_budget_say(const struct config *cfg, char *line, size_t len, char *warn,
    size_t wlen)
{
	struct run_budget	 b;

	run_budget(cfg, &b);
	snprintf(line, len, "memory: at most %llu KiB: batches %llu KiB "
	    "(memory_limit and what may pass it), line buffers %llu KiB, "
	    "replies %llu KiB, the rest %llu KiB; and about 1 KiB a file "
	    "followed", (unsigned long long)b.total >> 10,
	    (unsigned long long)b.batches >> 10,
	    (unsigned long long)b.lines >> 10,
	    (unsigned long long)b.replies >> 10,
	    (unsigned long long)b.base >> 10);
	*warn = '\0';
	if (b.lines > cfg->memory_limit)
		snprintf(warn, wlen, "the buffers for lines of max_line_bytes "
		    "(%zu) take %llu KiB, more than memory_limit (%llu KiB)",
		    config_longest_line(cfg), (unsigned long long)b.lines >> 10,
		    (unsigned long long)cfg->memory_limit >> 10);
}

/* The sinks a configuration asks for; NULL for those it does not. */
int
run_sinks(struct run *r, const struct config *cfg,
    const struct labels *labels, struct emit **emit, struct output **out)
{
	*emit = NULL;
	*out = NULL;
	if (cfg->emit_enabled) {
		*emit = emit_new(r->lp, STDOUT_FILENO, emit_cap(cfg));
		if (*emit == NULL)
			return -1;
	}
	if (cfg->output.enabled) {
		*out = output_new(r->lp, cfg, labels);
		if (*out == NULL) {
			emit_free(*emit);
			*emit = NULL;
			return -1;
		}
	}
	return 0;
}

/* What depends on the configuration but holds no data: rebuilt as a
 * whole on reload.  Called with the reader in place. */
int
run_attach(struct run *r)
{
	emit_on_ready(r->emit, reader_kick, r->rd);
	output_on_ready(r->out, reader_kick, r->rd);
	emit_on_ack(r->emit, run_ckpt_acked, r);
	output_on_ack(r->out, run_ckpt_acked, r);
	r->w = watch_new(r->lp, r->cfg, &reader_watch_ops, r->rd);
	if (r->w == NULL)
		return -1;
	if (*r->cfg->listen != '\0') {
		r->m = metrics_new(r->lp, r->cfg->listen, run_collect, r);
		if (r->m == NULL)
			return -1;
	}
	log_set_level(r->cfg->log_level);
	return watch_scan(r->w);
}

void
run_detach(struct run *r)
{
	metrics_free(r->m);
	r->m = NULL;
	watch_free(r->w);
	r->w = NULL;
}
