/* stages/common/atomic_file.h: write a file so that its name shows the old
 * file or the whole new one, never a part, even across a crash.
 *
 *   atomic_file__open    creates PATH.tmpXXXXXX beside path, with mode
 *   (write to af.fd: write, pwrite, ...)
 *   atomic_file__commit  fsync, close, rename over path, fsync of the folder
 *   atomic_file__abort   close and unlink the temporary file
 *
 * After a failed open nothing is left; after a failed commit, call abort.
 * SIGINT/SIGTERM/SIGHUP remove the temporary file (stages/common/interrupt.h).
 * Both emitters use it (raw BTF, and the ELF copy with .BTF). The caller's
 * thread only; nothing is shared. Each returns 0 or -errno, and *what (if
 * not NULL) names the step that failed, for the caller's error line.
 */
#ifndef BTFSTREAM_ATOMIC_FILE_H
#define BTFSTREAM_ATOMIC_FILE_H

#include <sys/types.h>

struct atomic_file {
	int fd;			/* the temporary file, -1 when closed */
	char *tmp;		/* its name */
	const char *path;	/* the name it gets on commit (borrowed) */
	int slot;		/* stages/common/interrupt.h: removed on a signal */
};

int atomic_file__open(struct atomic_file *af, const char *path, mode_t mode, const char **what);
int atomic_file__commit(struct atomic_file *af, const char **what);
void atomic_file__abort(struct atomic_file *af);

#endif
