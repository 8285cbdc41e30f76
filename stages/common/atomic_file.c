/* stages/common/atomic_file.c: see atomic_file.h. */
#include "stages/common/atomic_file.h"
#include "stages/common/interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failed(const char **what, const char *step)
{
	int err = -errno;

	if (what)
		*what = step;
	return err ? err : -EIO;
}

int atomic_file__open(struct atomic_file *af, const char *path, mode_t mode, const char **what)
{
	af->fd = -1;
	af->path = path;
	af->slot = -1;
	if (asprintf(&af->tmp, "%s.tmpXXXXXX", path) < 0) {
		af->tmp = NULL;
		errno = ENOMEM;
		return failed(what, "out of memory");
	}
	/* created and registered with the signals held, so no signal lands
	 * between the two and leaves the file */
	interrupt__hold(true);
	if ((af->fd = mkstemp(af->tmp)) >= 0)
		af->slot = interrupt__register(af->tmp);
	interrupt__hold(false);
	if (af->fd < 0) {
		int err = failed(what, "cannot create output");

		free(af->tmp);
		af->tmp = NULL;
		return err;
	}
	if (fchmod(af->fd, mode) < 0) {
		int err = failed(what, "cannot create output");

		atomic_file__abort(af);
		return err;
	}
	return 0;
}

/* The folder's entry for the new name reaches the disk too. */
static int sync_folder(const char *path)
{
	char *copy = strdup(path);
	int fd, err = 0;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)	/* some file systems cannot sync a folder */
		err = -errno;
	close(fd);
	return err;
}

int atomic_file__commit(struct atomic_file *af, const char **what)
{
	int fd = af->fd, err;

	if (fsync(fd) < 0)
		return failed(what, "cannot write output");
	af->fd = -1;
	if (close(fd) < 0)
		return failed(what, "cannot write output");
	if (rename(af->tmp, af->path) < 0)
		return failed(what, "cannot replace the output");
	interrupt__unregister(af->slot);
	af->slot = -1;
	free(af->tmp);
	af->tmp = NULL;
	if ((err = sync_folder(af->path))) {
		errno = -err;
		return failed(what, "cannot sync the output's folder");
	}
	return 0;
}

void atomic_file__abort(struct atomic_file *af)
{
	if (af->fd >= 0)
		close(af->fd);
	af->fd = -1;
	if (af->tmp)
		unlink(af->tmp);
	interrupt__unregister(af->slot);
	af->slot = -1;
	free(af->tmp);
	af->tmp = NULL;
}
