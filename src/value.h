/*
 * value.h: reading one configuration value: sizes, durations, booleans,
 * numbers, ${VAR} expansion and URLs.  Shared by config.c and the tee
 * options.  Every function returns 0 or -1; on -1 it writes why into
 * err (one phrase, no file or key: the caller knows those).
 */
#ifndef SIDELOG_VALUE_H
#define SIDELOG_VALUE_H

#include <stddef.h>
#include <stdint.h>

#define VALUE_ERRLEN	160
#define VALUE_MAXLEN	4096	/* a value after ${VAR} expansion */

struct value_url {
	int		 tls;		/* https */
	char		 host[256];	/* brackets of an IPv6 literal removed */
	int		 port;
	char		 path[2048];	/* "/" when the URL has none */
};

int	value_hex(int c);
int	value_size(const char *, uint64_t *, char *err);
int	value_duration(const char *, uint64_t *ms, char *err);
int	value_bool(const char *, int *, char *err);
int	value_uint(const char *, uint64_t *, char *err);
int	value_expand(const char *, char *out, size_t outlen, char *err);
int	value_expand_unset(const char *, char *out, size_t outlen,
	    char *unset, size_t unsetlen, char *err);
int	value_url(const char *, struct value_url *, char *err);
int	value_hostport(const char *, char *host, size_t hostlen, int *port,
	    char *err);
void	value_format_size(uint64_t, char *, size_t);
void	value_format_duration(uint64_t ms, char *, size_t);

#endif
