/*
 * timestamp.h: times as the formats write them: an RFC 3339 text (the
 * record's @timestamp, a CRI line's time, a JSON line's own) read into
 * nanoseconds since the epoch.
 */
#ifndef SIDELOG_TIMESTAMP_H
#define SIDELOG_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

int	timestamp_rfc3339(const char *, size_t, uint64_t *ns);

#endif
