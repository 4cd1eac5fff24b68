/*
 * secret.c: reading a Secret's file when it changed.  A file that cannot
 * be read is said (never its content) and keeps the value it had.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"

/* Its content into buf when it changed, trailing newline and spaces
 * removed.  0 if unchanged or read, -1 on error. */
int
secret_read(struct secret *sec, const char *path, char *buf, size_t len,
    int *changed)
{
	struct stat	 st;
	ssize_t		 n;
	int		 fd;

	*changed = 0;
	if (stat(path, &st) == 0 && sec->loaded &&
	    st.st_ino == sec->st.st_ino &&
	    st.st_mtim.tv_nsec == sec->st.st_mtim.tv_nsec &&
	    st.st_mtim.tv_sec == sec->st.st_mtim.tv_sec &&
	    st.st_size == sec->st.st_size)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd == -1 ? -1 : read(fd, buf, len - 1);
	if (fd != -1)
		close(fd);
	if (n < 0) {
		log_error("%s: %s", path, strerror(errno));
		return -1;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
	    buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	sec->st = st;
	sec->loaded = 1;
	*changed = 1;
	return 0;
}
