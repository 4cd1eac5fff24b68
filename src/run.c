/*
 * run.c: `sidelog run`: the long-lived process and its phases.
 *
 * Set-up order: signals (blocked, read through a signalfd, so they are
 * events like any other), the checkpoint (its lock first: a second
 * sidelog fails before touching anything), the config watch, the sinks,
 * the reader, the watcher and its first scan, the metrics listener.
 *
 * Phases: RUNNING -> (SIGTERM/SIGINT) GRACE -> DRAIN -> DONE, and
 * RUNNING -> (SIGHUP, config or labels change) RELOAD -> RUNNING; only
 * this file changes the phase (run_reload.c does a reload's work).
 * Shutdown keeps tailing until no file grew for shutdown_grace, then
 * reads every file to its end, delivers, persists and exits 0, all
 * within shutdown_timeout; past the deadline it persists what was
 * delivered, says what was not and exits 1.  A reload stops reading,
 * drops what was not sent yet, lets requests in flight finish, and then
 * carries the same tails on under the new configuration from their
 * delivered offsets: nothing is lost, and nothing the backend may hold
 * is sent twice.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "checkpoint.h"
#include "confwatch.h"
#include "emit.h"
#include "labels.h"
#include "log.h"
#include "loop.h"
#include "metrics.h"
#include "output.h"
#include "reader.h"
#include "record.h"
#include "run.h"
#include "run_int.h"
#include "watch.h"

#define RUN_GRACE_POLL_MS	100	/* how often "still growing?" is asked */
#define RUN_DRAIN_POLL_MS	20

static void	finish(struct run *, int status);

/* --- reloads: run_reload.c does the work, the phase changes here --- */

/*
 * SIGHUP, or the config or labels file changed.  During a reload the
 * change is only remembered: the reload may have loaded the file before
 * it, and the watch will not report the same content twice.
 */
static void
reload(struct run *r, const char *why, int force)
{
	if (r->phase == RELOAD) {
		if (!r->again)
			log_info("%s during a reload: the file is read again "
			    "once it ends", why);
		r->again = 1;
		return;
	}
	/* GRACE, DRAIN, DONE: shutting down, a new configuration is moot. */
	if (r->phase == RUNNING && run_reload(r, why, force) == 1)
		r->phase = RELOAD;
}

/*
 * Ends the reload under way.  If a change came meanwhile, the file is
 * loaded again and reloaded if it differs from what now runs (labels
 * are read as the reload ends, after any such change): after any reload
 * the running configuration is the file's.  Unless look_again is 0:
 * shutting down.
 */
static void
end_reload(struct run *r, int look_again)
{
	int	 again = r->again;

	r->again = 0;
	if (run_reload_finish(r) == -1) {
		finish(r, 1);
		return;
	}
	r->phase = RUNNING;
	if (again && look_again)
		reload(r, "a change came during the last reload", 0);
}

/* --- shutdown ----------------------------------------------------------- */

static void
finish(struct run *r, int status)
{
	r->phase = DONE;
	r->status = status;
	if (run_ckpt_final(r) == -1 && status == 0)
		r->status = 1;
	loop_stop(r->lp);
}

static int
delivered_all(struct run *r)
{
	return reader_is_drained(r->rd) && (r->emit == NULL ||
	    emit_held(r->emit) == 0) && (r->out == NULL ||
	    output_is_idle(r->out));
}

static void
shutdown_step(struct run *r)
{
	if (r->phase == GRACE &&
	    reader_quiet_ms(r->rd) >= r->cfg->shutdown_grace_ms) {
		log_info("no file grew for %llums: reading every file to its "
		    "end", (unsigned long long)r->cfg->shutdown_grace_ms);
		r->phase = DRAIN;
		reader_drain(r->rd);
	}
	/* Once everything is read, the last batch need not wait for
	 * batch_timeout. */
	if (r->phase == DRAIN && r->out != NULL && reader_all_read(r->rd))
		output_flush(r->out);
	if (r->phase == DRAIN && delivered_all(r)) {
		log_info("everything read was delivered; exiting");
		finish(r, 0);
		return;
	}
	loop_timer_set(r->phase_timer, r->phase == GRACE ? RUN_GRACE_POLL_MS :
	    RUN_DRAIN_POLL_MS);
}

static void
phase_timer(void *arg)
{
	struct run	*r = arg;

	if (r->phase != RELOAD)
		shutdown_step(r);
	else if (run_reload_step(r) == 1)
		end_reload(r, 1);
}

static void
deadline(void *arg)
{
	struct run		*r = arg;
	struct reader_stats	 st;

	reader_stats(r->rd, &st);
	log_error("shutdown_timeout (%llums) reached: %llu bytes in %d files "
	    "not delivered; they will be sent after a restart",
	    (unsigned long long)r->cfg->shutdown_timeout_ms,
	    (unsigned long long)st.lag, st.undelivered);
	finish(r, 1);
}

static void
begin_shutdown(struct run *r, const char *why)
{
	if (r->phase == GRACE || r->phase == DRAIN) {
		log_warn("%s again: stopping now", why);
		deadline(r);
		return;
	}
	if (r->phase == RELOAD)
		end_reload(r, 0);
	if (r->phase == DONE)
		return;
	loop_timer_set(r->deadline, r->cfg->shutdown_timeout_ms);
	if (r->cfg->shutdown_grace_ms > 0) {
		log_info("%s: shutting down once no file grew for %llums", why,
		    (unsigned long long)r->cfg->shutdown_grace_ms);
		r->phase = GRACE;
	} else {
		log_info("%s: reading every file to its end", why);
		r->phase = DRAIN;
		reader_drain(r->rd);
	}
	loop_timer_set(r->phase_timer, 0);
}

/* --- events ------------------------------------------------------------- */

static void
on_signal(void *arg, uint32_t events)
{
	struct run		*r = arg;
	struct signalfd_siginfo	 si;

	while (read(r->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
			begin_shutdown(r, "SIGTERM");
			break;
		case SIGINT:
			begin_shutdown(r, "SIGINT");
			break;
		case SIGHUP:
			reload(r, "SIGHUP", 1);
			break;
		}
	}
}

/* The config file or the labels file has new content. */
static void
on_change(void *arg, const char *path)
{
	struct run	*r = arg;

	if (strcmp(path, r->cfg->path) == 0)
		reload(r, "the configuration file changed", 0);
	else
		reload(r, "the labels file changed", 1);
}

static void
tick(void *arg)
{
	struct run	*r = arg;

	reader_tick(r->rd);
	if (r->emit != NULL && emit_is_broken(r->emit) && r->phase != DONE) {
		finish(r, 1);
		return;
	}
	loop_timer_set(r->tick, READER_TICK_MS);
}

/* --- set-up ------------------------------------------------------------- */

static void
signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

/*
 * Called first thing, before the configuration is even read: a SIGTERM
 * that comes while sidelog starts must wait for the loop, not kill it.
 */
void
run_block_signals(void)
{
	sigset_t	 set;

	signal(SIGPIPE, SIG_IGN);
	signal_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static int
setup_signals(struct run *r)
{
	sigset_t	 set;

	run_block_signals();
	signal_set(&set);
	r->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sfd == -1) {
		log_error("signalfd: %s", strerror(errno));
		return -1;
	}
	r->sio = loop_io_add(r->lp, r->sfd, EPOLLIN, on_signal, r);
	return r->sio == NULL ? -1 : 0;
}

static int
setup_timers(struct run *r)
{
	r->ckpt = loop_timer_new(r->lp, run_ckpt_timer, r);
	r->tick = loop_timer_new(r->lp, tick, r);
	r->phase_timer = loop_timer_new(r->lp, phase_timer, r);
	r->deadline = loop_timer_new(r->lp, deadline, r);
	if (r->ckpt == NULL || r->tick == NULL || r->phase_timer == NULL ||
	    r->deadline == NULL)
		return -1;
	loop_timer_set(r->tick, READER_TICK_MS);
	return 0;
}

/* The reader holds up to READER_MAX_OPEN files open, within what
 * RLIMIT_NOFILE allows: take the hard limit, as the soft one is often
 * 1024 in a container.  sidelog uses epoll, never select. */
static void
raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit(RLIMIT_NOFILE): %s",
			    strerror(errno));
	}
}

/*
 * The config and labels files, watched for the whole run and not
 * rebuilt by a reload: a change is measured against what the watch last
 * saw, never against content it did not report.  Watched before the
 * labels file is read, so that no change falls in between.
 */
static int
watch_config(struct run *r)
{
	r->cw = confwatch_new(r->lp, on_change, r);
	if (r->cw == NULL)
		return -1;
	confwatch_add(r->cw, r->cfg->path);
	if (*r->cfg->labels_file != '\0')
		confwatch_add(r->cw, r->cfg->labels_file);
	return 0;
}

static int
setup(struct run *r)
{
	struct checkpoint_entry	*entries = NULL;
	size_t			 n = 0;

	r->sfd = -1;
	r->lp = loop_new();
	if (r->lp == NULL || setup_signals(r) == -1)
		return -1;
	r->ck = checkpoint_open(r->cfg->checkpoint_dir,
	    r->cfg->checkpoint_file);
	if (r->ck == NULL || checkpoint_load(r->ck, &entries, &n) == -1)
		return -1;
	if (watch_config(r) == -1) {
		free(entries);
		return -1;
	}
	if (*r->cfg->labels_file != '\0')
		r->labels = labels_load(r->cfg->labels_file);
	raise_nofile();
	if (run_sinks(r, r->cfg, r->labels, &r->emit, &r->out) == -1) {
		free(entries);
		return -1;
	}
	r->rd = reader_new(r->lp, r->cfg, r->labels, entries, n, r->emit,
	    r->out);
	if (r->rd == NULL)
		return -1;
	loop_set_idle(r->lp, reader_pump, r->rd);
	if (setup_timers(r) == -1)
		return -1;
	reader_on_new(r->rd, run_ckpt_joined, r);
	reader_on_skip(r->rd, run_ckpt_acked, r);
	return run_attach(r);
}

static void
teardown(struct run *r)
{
	run_reload_cancel(r);
	run_detach(r);
	confwatch_free(r->cw);
	/* The sinks first: an unsent batch releases its tails as it goes. */
	output_free(r->out);
	emit_free(r->emit);
	reader_free(r->rd);
	labels_free(r->labels);
	loop_io_del(r->ckio);
	checkpoint_close(r->ck);
	loop_timer_free(r->ckpt);
	loop_timer_free(r->tick);
	loop_timer_free(r->phase_timer);
	loop_timer_free(r->deadline);
	loop_io_del(r->sio);
	if (r->sfd != -1)
		close(r->sfd);
	loop_free(r->lp);
	config_free(r->cfg);
}

static void
say_budget(const struct config *cfg)
{
	char	 line[512], warn[256];

	run_budget_say(cfg, line, sizeof(line), warn, sizeof(warn));
	log_info("%s", line);
	if (cfg->output.enabled)
		log_info("proxy: %s", cfg->output.proxy_why);
	if (*warn != '\0')
		log_warn("%s", warn);
}

/* Takes cfg over: a reload replaces it. */
int
run_main(struct config *cfg)
{
	struct run	 r;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	if (setup(&r) == -1) {
		teardown(&r);
		return 1;
	}
	say_budget(r.cfg);
	log_info("sidelog %s: following %d input(s), watching with %s",
	    SIDELOG_VERSION, cfg->ninputs, watch_is_inotify(r.w) ? "inotify" :
	    "polling");
	if (loop_run(r.lp) == -1 && r.phase != DONE)
		finish(&r, 1);
	teardown(&r);
	return r.status;
}
