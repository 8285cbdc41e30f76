/* stages/emit/emit.c: see emit.h. */
#include "stages/emit/emit.h"

#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= w;
	}
	return 0;
}

int emit__file_atomic(const char *path, const void *data, size_t size, struct fail *f)
{
	char *tmp;
	int fd, err;

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) < 0)
		return fail__set(f, -ENOMEM, "emit: %s: out of memory", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return fail__set(f, err, "emit: %s: cannot create output: %s", path, strerror(-err));
	}
	err = write_all(fd, data, size);
	if (!err && fchmod(fd, 0644) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err) {
		unlink(tmp);
		free(tmp);
		return fail__set(f, err, "emit: %s: cannot write output: %s", path, strerror(-err));
	}
	free(tmp);
	return 0;
}

const void *emit__raw_data(struct btf *btf, bool big_endian, size_t *size, struct fail *f, const char *out)
{
	const void *data;
	__u32 n;
	int err;

	err = btf__set_endianness(btf, big_endian ? BTF_BIG_ENDIAN : BTF_LITTLE_ENDIAN);
	if (err) {
		fail__set(f, err, "emit: %s: cannot set byte order", out);
		return NULL;
	}
	data = btf__raw_data(btf, &n);
	if (!data)
		fail__set(f, -ENOMEM, "emit: %s: out of memory", out);
	*size = n;
	return data;
}

int emit__raw(struct btf *btf, bool big_endian, const char *out, size_t *bytes, struct fail *f)
{
	const void *data = emit__raw_data(btf, big_endian, bytes, f, out);

	return data ? emit__file_atomic(out, data, *bytes, f) : f->err;
}
