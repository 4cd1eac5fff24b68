/*
 * log.h: sidelog's own log, on stderr, one line per message with a
 * timestamp and a level.  Messages are cut at LOG_MAXLINE and control
 * bytes in them are escaped, since they often carry names that the
 * application chose.
 */
#ifndef SIDELOG_LOG_H
#define SIDELOG_LOG_H

#define LOG_MAXLINE	1024

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

void	log_set_level(enum log_level);
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
