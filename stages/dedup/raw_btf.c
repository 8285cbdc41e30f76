/* stages/dedup/raw_btf.c: see raw_btf.h. */
#include "stages/dedup/raw_btf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <linux/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "stages/common/interrupt.h"

struct btf *raw_btf__new(const void *types, uint32_t tlen, const void *strs, uint32_t slen)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = tlen, .str_off = tlen, .str_len = slen,
	};
	size_t size = sizeof(h) + (size_t)tlen + slen;
	char *raw = malloc(size);
	struct btf *btf;

	if (!raw) {
		errno = ENOMEM;
		return NULL;
	}
	memcpy(raw, &h, sizeof(h));
	memcpy(raw + sizeof(h), types, tlen);
	memcpy(raw + sizeof(h) + tlen, strs, slen);
	btf = btf__new(raw, size);
	free(raw);
	return btf;
}

static bool write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static void drop_file(int fd, const char *path, bool named, int slot)
{
	if (named)
		unlink(path);
	if (slot >= 0)
		interrupt__unregister(slot);
	close(fd);
}

/* A file holding the bytes and a path that opens it: a memfd through
 * /proc/self/fd, else a file in $TMPDIR or /tmp (*named: the caller unlinks
 * path once done). -1 with errno set. */
static int bytes_file(const struct btf_header *h, const void *types, const void *strs, char *path, size_t cap,
		      bool *named, int *slot)
{
	const char *dir = getenv("TMPDIR");
	int fd = memfd_create("btfstream-split", MFD_CLOEXEC);

	*named = false;
	*slot = -1;
	if (fd >= 0) {
		snprintf(path, cap, "/proc/self/fd/%d", fd);
		if (access(path, R_OK)) {	/* no /proc */
			close(fd);
			fd = -1;
		}
	}
	if (fd < 0) {	/* a signal's handler removes it (stages/common/interrupt.h) */
		snprintf(path, cap, "%s/btfstream-split-XXXXXX", dir && *dir ? dir : "/tmp");
		interrupt__hold(true);
		fd = mkostemp(path, O_CLOEXEC);
		*slot = fd < 0 ? -1 : interrupt__register(path);
		interrupt__hold(false);
		if (fd < 0)
			return -1;
		*named = true;
	}
	if (!write_all(fd, h, sizeof(*h)) || !write_all(fd, types, h->type_len) || !write_all(fd, strs, h->str_len)) {
		int e = errno ? errno : EIO;

		drop_file(fd, path, *named, *slot);
		errno = e;
		return -1;
	}
	return fd;
}

struct btf *raw_btf__new_split(const void *types, uint32_t tlen, const void *strs, uint32_t slen, struct btf *base)
{
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h),
		.type_off = 0, .type_len = tlen, .str_off = tlen, .str_len = slen,
	};
	char path[4096];
	bool named;
	struct btf *btf;
	int slot, fd = bytes_file(&h, types, strs, path, sizeof(path), &named, &slot), e;

	if (fd < 0)
		return NULL;
	btf = btf__parse_raw_split(path, base);
	e = errno;
	drop_file(fd, path, named, slot);
	errno = e;
	return btf;
}
