/* stages/emit/emit.c: see emit.h. */
#include "stages/emit/emit.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stages/common/atomic_file.h"

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
	struct atomic_file af;
	const char *what = "cannot write output";
	int err;

	if ((err = atomic_file__open(&af, path, 0644, &what)))
		return fail__set(f, err, "emit: %s: %s: %s", path, what, strerror(-err));
	if ((err = write_all(af.fd, data, size)) || (err = atomic_file__commit(&af, &what))) {
		atomic_file__abort(&af);
		return fail__set(f, err, "emit: %s: %s: %s", path, what, strerror(-err));
	}
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

int emit__raw_files(const char *out, const struct emit_section *secs, size_t n, struct fail *f)
{
	char *base_path = NULL;
	int err;

	if (n > 1) {
		if (asprintf(&base_path, "%s.base", out) < 0)
			return fail__set(f, -ENOMEM, "emit: %s: out of memory", out);
		err = emit__file_atomic(base_path, secs[1].data, secs[1].size, f);
		if (err) {
			free(base_path);
			return err;
		}
	}
	err = emit__file_atomic(out, secs[0].data, secs[0].size, f);
	if (err && base_path)
		unlink(base_path);
	if (!err && !base_path && asprintf(&base_path, "%s.base", out) >= 0)
		unlink(base_path);	/* an OUT.base from an earlier distilled run would lie about OUT */
	free(base_path);
	return err;
}
