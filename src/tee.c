/*
 * tee.c: the `tee` sub-command.
 *
 * XXX only the arguments are parsed so far (main.c); running the child,
 * the pass-through and the rotating files come with the pod-life work.
 */
#include "log.h"
#include "tee.h"

int
tee_main(const struct tee_opts *o)
{
	log_error("tee: not implemented in this build yet");
	return 1;
}
