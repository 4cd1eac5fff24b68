/*
 * json.h: what sidelog reads of JSON it did not write: UTF-8 checks for
 * the escaper, strict validation of a log line that claims to be a
 * JSON object (parse = json), with its top-level members, and a cursor
 * that the formats' reply readers walk a backend's reply with.
 *
 * Wider than 12 functions because the cursor's verbs (enter, member,
 * element, string, uint, bool, skip, done) are each a step a reply
 * reader takes, one scanner serves both kinds of reading, and a parser
 * that writes its JSON itself (logfmt) builds the same object member by
 * member (json_obj_begin, _add, _end) rather than having it read again.
 */
#ifndef SIDELOG_JSON_H
#define SIDELOG_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH		64
#define JSON_MAX_TOKENS		1024
#define JSON_MAX_MEMBERS	256
#define JSON_NAMES		(16 * 1024)	/* decoded member names */
#define JSON_INSERTION_MAX	16	/* members sorted by insertion */

struct json_member {
	const char	*name;		/* raw, between its quotes */
	size_t		 namelen;
	const char	*key;		/* decoded, NUL-terminated */
	uint64_t	 head;		/* key's first 8 bytes, big-endian:
					   strcmp()'s order in one compare,
					   mostly */
	const char	*value;		/* raw JSON text */
	size_t		 valuelen;
	int		 skip;		/* used as time or message, or repeated */
};

struct json_obj {
	const char		*time;	/* raw JSON string, with quotes */
	size_t			 timelen;
	const char		*msg;	/* raw JSON value */
	size_t			 msglen;
	struct json_member	 members[JSON_MAX_MEMBERS];
	int			 n;
	/* Indices of members, keys in strcmp() order and equal keys in
	 * order of position: a repeat follows the member it repeats. */
	uint16_t		 byname[JSON_MAX_MEMBERS];
	char			 names[JSON_NAMES];
	size_t			 nameslen;
	const char		*time_name;	/* the members singled out */
	const char		*msg_name;
	size_t			 time_namelen;
	size_t			 msg_namelen;
	int			 seen;		/* of those, met already */
};

/*
 * A cursor over JSON text, checked as json_valid() checks it, bounded in
 * depth (JSON_MAX_DEPTH) and in values read (tokens, counted down).
 * Every verb skips white space first and returns -1 where the text is
 * not what it asks for.
 */
struct json_cur {
	const char	*p, *end;
	int		 depth, tokens;
};

size_t	json_utf8_len(const unsigned char *, size_t);
size_t	json_utf8_bad(const unsigned char *, size_t);
int	json_valid(const char *, size_t);
void	json_cur_init(struct json_cur *, const char *, size_t, int tokens);
int	json_peek(struct json_cur *);
int	json_enter(struct json_cur *, char open);
int	json_member(struct json_cur *, int *i, const char **name, size_t *);
int	json_element(struct json_cur *, int *i, char close);
int	json_string(struct json_cur *, const char **str, size_t *len);
int	json_uint(struct json_cur *, uint64_t max, uint64_t *);
int	json_bool(struct json_cur *, int *);
int	json_skip(struct json_cur *);
int	json_done(struct json_cur *);
int	json_object(const char *, size_t, const char *time_name,
	    const char *msg_name, struct json_obj *);
void	json_obj_begin(struct json_obj *, const char *time_name,
	    const char *msg_name);
int	json_obj_add(struct json_obj *, const char *name, size_t namelen,
	    const char *value, size_t valuelen);
void	json_obj_end(struct json_obj *);

#endif
