/*
 * run_reload.c: a new configuration (SIGHUP, a ConfigMap update) or new
 * labels, applied without losing or repeating a line.
 *
 * The new file is loaded and checked first; an invalid one is refused
 * and the old configuration keeps running.  Then: reading pauses; what
 * the sinks hold but have not sent is dropped (the files still hold it);
 * requests in flight may finish, for at most the larger of [output]
 * timeout and RUN_RELOAD_WAIT_MS, and stdout is written out; then the
 * sinks, the watcher, the listener are rebuilt and the same tails go on
 * from their delivered offsets.  Later lines get the new fields.  The
 * config watch is kept, so a change during the wait is not lost: run.c
 * remembers it and has the file loaded again once this reload ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "run_int.h"

#define RUN_RELOAD_WAIT_MS	5000
#define RUN_RELOAD_POLL_MS	20

/* Loads the file again; its problems go to the log, one line each. */
static struct config *
load(const char *path)
{
	struct config	*cfg;
	char		*diag = NULL, *line, *next;
	size_t		 len;
	FILE		*fp;

	fp = open_memstream(&diag, &len);
	if (fp == NULL)
		return NULL;
	cfg = config_load(path, fp);
	fclose(fp);
	for (line = diag; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (cfg == NULL)
			log_error("reload: %s", line);
		else
			log_warn("reload: %s", line);
	}
	free(diag);
	return cfg;
}

/* Loads the file and, if it differs (or force), starts a reload: 1.
 * Called while RUNNING; the caller (run.c) changes the phase. */
int
run_reload(struct run *r, const char *why, int force)
{
	struct config	*cfg;

	cfg = load(r->cfg->path);
	if (cfg == NULL) {
		r->reload_errors++;
		log_error("%s, but the new configuration is invalid (see above); "
		    "the running one stays", why);
		return 0;
	}
	if (!force && config_is_same(cfg, r->cfg)) {
		log_info("%s; its effective configuration is the same",
		    why);
		config_free(cfg);
		return 0;
	}
	if (strcmp(cfg->checkpoint_dir, r->cfg->checkpoint_dir) != 0 ||
	    strcmp(cfg->checkpoint_file, r->cfg->checkpoint_file) != 0)
		log_warn("reload: checkpoint_dir and checkpoint_file change "
		    "only with a restart");
	log_info("%s: reloading", why);
	r->next = cfg;
	reader_pause(r->rd, 1);
	if (r->out != NULL)
		output_abandon(r->out);
	r->reload_until = loop_now(r->lp) + (r->cfg->output.timeout_ms >
	    RUN_RELOAD_WAIT_MS ? r->cfg->output.timeout_ms :
	    RUN_RELOAD_WAIT_MS);
	loop_timer_set(r->phase_timer, 0);
	return 1;
}

/*
 * Frees the old sinks, builds the new ones and hands the reader over.
 * The old sinks go first: as they are freed they release their
 * references to the tails, which reader_reconfigure() then rewinds.
 * Fails only for memory; then the reader is left with the running
 * configuration and no sinks, r->cfg and r->labels as they were, and the
 * caller stops (the checkpoint holds what was delivered).
 */
static int
apply(struct run *r)
{
	struct emit	*emit;
	struct output	*out;
	struct labels	*labels = NULL;

	/* The watch first, then the read: a change after it is seen. */
	if (strcmp(r->next->labels_file, r->cfg->labels_file) != 0) {
		if (*r->cfg->labels_file != '\0')
			confwatch_remove(r->cw, r->cfg->labels_file);
		if (*r->next->labels_file != '\0')
			confwatch_add(r->cw, r->next->labels_file);
	}
	if (*r->next->labels_file != '\0')
		labels = labels_load(r->next->labels_file);
	run_keep_counters(r);
	reader_drop_sinks(r->rd);
	output_free(r->out);
	emit_free(r->emit);
	r->out = NULL;
	r->emit = NULL;
	run_detach(r);
	if (run_sinks(r, r->next, labels, &emit, &out) == -1 ||
	    reader_reconfigure(r->rd, r->next, labels, emit, out) == -1) {
		labels_free(labels);
		emit_free(emit);
		output_free(out);
		return -1;
	}
	config_free(r->cfg);
	labels_free(r->labels);
	r->cfg = r->next;
	r->labels = labels;
	r->emit = emit;
	r->out = out;
	r->next = NULL;
	return 0;
}

/* Ends a reload now, whatever is still in flight; -1 when it failed
 * (for memory) and the caller must stop. */
int
run_reload_finish(struct run *r)
{
	if (r->next == NULL)
		return 0;
	if (apply(r) == -1) {
		log_error("reload failed for lack of memory; stopping (the "
		    "checkpoint holds what was delivered)");
		return -1;
	}
	if (run_attach(r) == -1)
		log_error("reload: watching or listening failed; see above");
	r->reloads++;
	reader_pause(r->rd, 0);
	log_info("configuration reloaded from %s", r->cfg->path);
	return 0;
}

/* Called every RUN_RELOAD_POLL_MS while reloading: 1 when the reload
 * is to end now (nothing in flight, or waited long enough). */
int
run_reload_step(struct run *r)
{
	int	 busy;

	busy = (r->out != NULL && output_in_flight(r->out) > 0) ||
	    (r->emit != NULL && emit_held(r->emit) > 0);
	if (busy && loop_now(r->lp) < r->reload_until) {
		loop_timer_set(r->phase_timer, RUN_RELOAD_POLL_MS);
		return 0;
	}
	if (busy)
		log_warn("reload: what is still in flight is dropped; those "
		    "lines may reach the backend twice");
	return 1;
}

/* Teardown in the middle of a reload. */
void
run_reload_cancel(struct run *r)
{
	config_free(r->next);
	r->next = NULL;
}
