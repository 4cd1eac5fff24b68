/*
 * severity.h: a log level as applications write it (level.key) as the
 * OpenTelemetry severity: its range's name and a SeverityNumber, as the
 * logs data model defines them and its Appendix B maps syslog, Log4j,
 * Zap and java.util.logging.  Letters in any case; spaces and tabs
 * around the value are ignored (padded "INFO " columns).
 *
 *   value (any case)                             number        name
 *   trace trc trce finest t                       1 TRACE       trace
 *   debug dbg dbug d finer verbose vrb            5 DEBUG       debug
 *   fine                                          6 DEBUG2      debug
 *   config                                        7 DEBUG3      debug
 *   info inf information informational i         9 INFO        info
 *   notice                                       10 INFO2       info
 *   warn warning wrn w                           13 WARN        warn
 *   error err severe fail e                      17 ERROR       error
 *   crit critical dpanic                         18 ERROR2      error
 *   alert panic                                  19 ERROR3      error
 *   fatal ftl emerg emergency f                  21 FATAL       fatal
 *   trace2..4 debug2..4 ... fatal2..4            the range's 2nd to 4th
 *
 *   syslog numbers (RFC 5424 6.2.1):  0 21, 1 19, 2 18, 3 17, 4 13,
 *                                     5 10, 6 9, 7 5
 *   pino and bunyan numbers:          10 1, 20 5, 30 9, 40 13, 50 17,
 *                                     60 21
 *
 * Critical is syslog's (ERROR2): .NET and ETW put their Critical at
 * FATAL, Python's CRITICAL is its highest; one spelling, one number.
 * Verbose is Windows' (DEBUG), not Serilog's (below Debug).  Python's
 * numeric levels (10 DEBUG .. 50 CRITICAL) are not taken: the same
 * numbers are pino's, one range lower.  Anything else is unknown: -1,
 * name NULL, number 0 (UNSPECIFIED).
 */
#ifndef SIDELOG_SEVERITY_H
#define SIDELOG_SEVERITY_H

#include <stddef.h>

struct severity {
	const char	*name;		/* "trace" .. "fatal", NULL unknown */
	int		 number;	/* SeverityNumber 1..24, 0 unknown */
};

int	severity_parse(const char *, size_t, struct severity *);

#endif
