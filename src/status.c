/*
 * status.c: `sidelog status` prints each file of the checkpoint with its
 * identity, what was delivered, how big it is now and the lag between
 * the two, for a person at a terminal (`kubectl exec ... sidelog status`).
 * It takes no lock and changes nothing, so it is safe beside a running
 * sidelog.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "status.h"

/* The file's size now, or -1 when its name holds another file or none. */
static long long
size_now(const struct checkpoint_entry *e)
{
	struct stat	 st;

	if (stat(e->path, &st) == -1 || (uint64_t)st.st_ino != e->inode)
		return -1;
	return (long long)st.st_size;
}

static void
print_row(FILE *fp, const struct checkpoint_entry *e, int pathw,
    uint64_t *lag, int *behind)
{
	long long	 size = size_now(e);
	char		 fp_text[32];

	snprintf(fp_text, sizeof(fp_text), "%u:%016llx", e->fp_len,
	    (unsigned long long)e->fp_hash);
	if (size < 0) {
		fprintf(fp, "%-12s %-*s %10llu %-21s %12llu %12s %12s\n",
		    e->input, pathw, e->path, (unsigned long long)e->inode,
		    fp_text, (unsigned long long)e->offset, "gone", "-");
		return;
	}
	fprintf(fp, "%-12s %-*s %10llu %-21s %12llu %12lld %12lld\n",
	    e->input, pathw, e->path, (unsigned long long)e->inode, fp_text,
	    (unsigned long long)e->offset, size,
	    size > (long long)e->offset ? size - (long long)e->offset : 0);
	if (size > (long long)e->offset) {
		*lag += (uint64_t)size - e->offset;
		(*behind)++;
	}
}

int
status_main(const struct config *cfg, FILE *fp)
{
	struct checkpoint_entry	*e;
	size_t			 n, i;
	uint64_t		 lag = 0;
	int			 pathw = 4, behind = 0;

	if (checkpoint_read(cfg->checkpoint_dir, cfg->checkpoint_file, &e,
	    &n) == -1)
		return 1;	/* it said why */
	for (i = 0; i < n; i++)
		if ((int)strlen(e[i].path) > pathw)
			pathw = (int)strlen(e[i].path);
	fprintf(fp, "checkpoint %s/%s: %zu file%s\n", cfg->checkpoint_dir,
	    cfg->checkpoint_file, n, n == 1 ? "" : "s");
	fprintf(fp, "%-12s %-*s %10s %-21s %12s %12s %12s\n", "INPUT", pathw,
	    "PATH", "INODE", "FINGERPRINT", "DELIVERED", "SIZE", "LAG");
	for (i = 0; i < n; i++)
		print_row(fp, &e[i], pathw, &lag, &behind);
	fprintf(fp, "lag: %llu bytes in %d file%s\n", (unsigned long long)lag,
	    behind, behind == 1 ? "" : "s");
	checkpoint_entries_free(e, n);
	return 0;
}
