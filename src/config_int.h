/*
 * config_int.h: the configuration module's inside, shared by its files
 * and nobody else: config.c (reading), config_check.c and
 * config_process.c (cross-checks), config_keys.c (the key table) and
 * cfgp.c (the state of one load).  Wider than 12 functions because every
 * check reports through one load's state (cfgp_error, cfgp_line_of, the
 * regex and readable-file checks that say what failed where), and each
 * checking file calls them.
 */
#ifndef SIDELOG_CONFIG_INT_H
#define SIDELOG_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"

#define CFGP_MAX_LINE		4000	/* bytes in one line of the file */
#define CFGP_MAX_ERRORS		50	/* then stop reporting */
#define CFGP_MAX_MSGS		200	/* errors, warnings, expectations */
#define CFGP_INIH_MAX_SECTION	50	/* inih's MAX_SECTION, with its NUL */

enum cfgp_type { K_STR, K_SIZE, K_DUR, K_INT, K_BOOL, K_ENUM, K_LIST };

#define KF_NONEMPTY	0x01	/* required: "" is an error */
#define KF_FILE		0x02	/* names a file sidelog must be able to read */
#define KF_OFF		0x04	/* K_SIZE: "" is 0, which means off */

struct cfgp_key {
	const char		*name;
	enum cfgp_type		 type;
	size_t			 off;	/* in struct config or config_input */
	const char		*dflt;
	uint64_t		 min, max;	/* K_SIZE, K_DUR, K_INT */
	const char *const	*choices;	/* K_ENUM, NULL-terminated */
	unsigned		 flags;
	size_t			 count;	/* K_LIST: offset of its int count */
};

struct cfgp_section {
	const char		*name;
	const struct cfgp_key	*keys;
	const char		*prefix;	/* free-form keys; "": any */
	const char		*prefix2;	/* a second kind, or NULL */
};

extern const struct cfgp_section cfgp_sections[];	/* config_keys.c */

struct chunk;

struct config_impl {
	struct config		 cfg;
	struct chunk		*chunks;	/* every allocation of cfg */
};

struct cfgp_seen {
	char			 section[64];
	char			 key[160];	/* "" for the section itself */
	int			 line;
	char			 unset[96];	/* offline: its unset ${VAR}s */
};

struct cfgp_msg {
	int			 line;		/* INT_MAX: the whole file */
	int			 seq;		/* keeps equal lines in order */
	int			 expect;	/* offline: the pod provides it */
	char			 text[640];
};

/* One config_load() in progress. */
struct cfgp {
	struct config_impl	*impl;
	struct config		*cfg;
	const char		*path;
	FILE			*diag;
	int			 offline;	/* CONFIG_OFFLINE */
	int			 nerrors;
	struct cfgp_msg		*msgs;		/* CFGP_MAX_MSGS */
	int			 nmsgs;
	char			 section[64];	/* as written */
	const struct cfgp_section *sec;		/* NULL: none or rejected */
	struct config_input	*in;		/* in an [input.NAME] */
	struct config_input	*inputs;	/* CONFIG_MAX_INPUTS of them */
	struct cfgp_seen	*seen;
	int			 nseen, seencap;
};

/* cfgp.c */
void	*cfgp_alloc(struct cfgp *, size_t);
void	 cfgp_free_chunks(struct chunk *);
char	*cfgp_strdup(struct cfgp *, const char *);
int	 cfgp_line(const struct cfgp *, const char *section, const char *key);
void	 cfgp_error(struct cfgp *, int line, const char *section,
	    const char *key, const char *, ...)
	    __attribute__((format(printf, 5, 6)));
void	 cfgp_warn(struct cfgp *, int line, const char *section,
	    const char *key, const char *, ...)
	    __attribute__((format(printf, 5, 6)));
void	 cfgp_expect(struct cfgp *, int line, const char *section,
	    const char *key, const char *, ...)
	    __attribute__((format(printf, 5, 6)));
int	 cfgp_line_of(const struct cfgp *, const char *section,
	    const char *key);
int	 cfgp_remember(struct cfgp *, const char *section, const char *key,
	    int line);
void	 cfgp_flush(struct cfgp *);
int	 cfgp_check_regex(struct cfgp *, const char *sec, const char *key,
	    const char *re, size_t *nsub);
void	 cfgp_check_readable(struct cfgp *, const char *sec,
	    const char *key, const char *path);

/* config_check.c */
void	 cfgp_check(struct cfgp *);

/* config_process.c */
void	 cfgp_check_process(struct cfgp *, struct config_input *,
	    const char *sec);

#endif
