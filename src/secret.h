/*
 * secret.h: a value kept in a file that may change under a running
 * sidelog (a mounted Secret): read again only when its inode, size or
 * mtime changed.  Trailing newlines and spaces are not part of it.
 */
#ifndef SIDELOG_SECRET_H
#define SIDELOG_SECRET_H

#include <stddef.h>
#include <sys/stat.h>

struct secret {
	struct stat	 st;
	int		 loaded;
};

int	secret_read(struct secret *, const char *path, char *buf, size_t len,
	    int *changed);

#endif
