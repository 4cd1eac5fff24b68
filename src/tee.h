/*
 * tee.h: `sidelog tee`: run a command (or read stdin), pass its output
 * through unchanged, and append each line to size-rotated files.
 */
#ifndef SIDELOG_TEE_H
#define SIDELOG_TEE_H

#include <stdint.h>

#define TEE_DEFAULT_SIZE	(10 * 1024 * 1024)
#define TEE_DEFAULT_FILES	3
#define TEE_MIN_SIZE		4096
#define TEE_MAX_FILES		100

struct tee_opts {
	const char	 *out;		/* --out PATH */
	uint64_t	  max_size;	/* rotate at this size */
	int		  max_files;	/* PATH.1 ... PATH.N */
	int		  cri;		/* --format cri */
	char		**argv;		/* the command; empty: stdin */
};

int	tee_main(const struct tee_opts *);

#endif
