/* stages/common/pread_full.h: pread until the bytes asked for are read.
 *
 * pread may return fewer bytes than asked (a signal, a file system's own
 * limits); the input's readers (the CU index's unit headers, the location
 * lists' windows) want all of them or to know where the file ended. Any
 * thread: pread leaves the descriptor's offset alone.
 */
#ifndef BTFSTREAM_PREAD_FULL_H
#define BTFSTREAM_PREAD_FULL_H

#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/* n bytes of fd at off into buf: the bytes read (fewer only where the file
 * ends), or -errno. A read interrupted by a signal is made again. */
static inline ssize_t pread_full(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

#endif
