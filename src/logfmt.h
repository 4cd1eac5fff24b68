/*
 * logfmt.h: a logfmt line (`key=value key="quoted value" flag`) as the
 * text of one JSON object, for the parse stage to merge like a JSON
 * line's members.
 *
 * - Pairs are apart by spaces, tabs or CRs.  A key is a run of bytes
 *   other than those, '=', '"' and control bytes.
 * - `key=value`: the value runs to the next space, tab or CR, '=' and '"'
 *   included (URLs with query strings stay whole).  `key=` is "".
 * - `key="..."`: Go's quoting: \" \\ \/ \n \r \t \b \f and \uXXXX (a lone
 *   surrogate is U+FFFD, as strict JSON readers want); any
 *   other escape, a missing closing quote, or bytes right after it make
 *   the line not logfmt.
 * - `key` alone is a flag: true.
 * - Every value is a string (true for a flag): a number in one line and
 *   a word in the next must not make a backend's mapping fail.
 * - A line with no `key=value` pair at all is not logfmt (plain text
 *   would otherwise parse as a list of flags).
 * - Repeated keys are all written; the parse stage keeps the first, as
 *   for parse = json.
 *
 * With o (begun by json_obj_begin()), each pair is also added to it as
 * it is written, so that the text need not be read again; a line of more
 * than JSON_MAX_MEMBERS pairs is then not logfmt.  The caller ends it.
 */
#ifndef SIDELOG_LOGFMT_H
#define SIDELOG_LOGFMT_H

#include <stddef.h>

struct json_obj;

/* Bytes logfmt_json() may write for a line of len bytes. */
#define LOGFMT_MAX(len)	(7 * (len) + 8)

size_t	logfmt_json(const char *, size_t len, char *out, struct json_obj *o);

#endif
