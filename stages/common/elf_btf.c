/* stages/common/elf_btf.c: see elf_btf.h. */
#include "stages/common/elf_btf.h"

#include <bpf/btf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stages/common/interrupt.h"
#include "stages/common/libbpf_caps.h"

bool elf_btf__is_elf(const char *path)
{
	unsigned char m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool elf = fd >= 0 && read(fd, m, 4) == 4 && !memcmp(m, ELFMAG, 4);

	if (fd >= 0)
		close(fd);
	return elf;
}

/* The data of section name: 0 with *d set (libelf's, alive as elf is);
 * -ENOENT if there is no such section with contents; -EINVAL. */
static int find_section(Elf *elf, const char *name, Elf_Data **out)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx))
		return -EINVAL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			return -EINVAL;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!n || strcmp(n, name))
			continue;
		if (sh.sh_type == SHT_NOBITS || sh.sh_size == 0)
			return -ENOENT;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size == 0)
			return -EINVAL;
		*out = d;
		return 0;
	}
	return -ENOENT;
}

static int copy_section(Elf *elf, const char *name, void **data, size_t *size)
{
	Elf_Data *d;
	int err = find_section(elf, name, &d);

	if (err)
		return err;
	if (!(*data = malloc(d->d_size)))
		return -ENOMEM;
	memcpy(*data, d->d_buf, d->d_size);
	*size = d->d_size;
	return 0;
}

int elf_btf__section(const char *path, const char *name, void **data, size_t *size)
{
	int fd, err;
	Elf *elf;

	*data = NULL;
	*size = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	err = elf ? copy_section(elf, name, data, size) : -EINVAL;
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
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

/* A file holding data[0..size) and a path that opens it: a memfd through
 * /proc/self/fd, else a file in $TMPDIR or /tmp, registered with the signal
 * handler (*named: the caller drops it with drop_file). -1, errno set. */
static int bytes_file(const void *data, size_t size, char *path, size_t cap, bool *named, int *slot)
{
	const char *dir = getenv("TMPDIR");
	int fd = memfd_create("btfstream-btf", MFD_CLOEXEC);

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
		snprintf(path, cap, "%s/btfstream-btf-XXXXXX", dir && *dir ? dir : "/tmp");
		interrupt__hold(true);
		fd = mkostemp(path, O_CLOEXEC);
		*slot = fd < 0 ? -1 : interrupt__register(path);
		interrupt__hold(false);
		if (fd < 0)
			return -1;
		*named = true;
	}
	if (!write_all(fd, data, size)) {
		int e = errno ? errno : EIO;

		drop_file(fd, path, *named, *slot);
		errno = e;
		return -1;
	}
	return fd;
}

/* elf_btf__from_bytes; owned: data is malloc'd, freed here as early as it
 * can be. */
static struct btf *from_bytes(const void *data, size_t size, struct btf *base, bool owned)
{
	struct btf *(*new_split)(const void *data, uint32_t size, struct btf *base);
	char path[4096];
	struct btf *btf;
	bool named;
	int slot, fd, e;

	if (!base)
		btf = btf__new(data, (__u32)size);
	else if ((new_split = libbpf_caps__get()->new_split))
		btf = new_split(data, (uint32_t)size, base);
	else {	/* libbpf 1.1 parses split BTF only from a file (it exports
		 * btf__new_split from 1.4 on: libbpf_caps.h) */
		fd = bytes_file(data, size, path, sizeof(path), &named, &slot);
		e = errno;
		if (owned)
			free((void *)data);
		if (fd < 0)
			return errno = e, NULL;
		btf = btf__parse_raw_split(path, base);
		e = btf ? 0 : errno;
		drop_file(fd, path, named, slot);
		errno = e;
		return btf;
	}
	e = errno;
	if (owned)
		free((void *)data);
	errno = e;
	return btf;
}

struct btf *elf_btf__from_bytes(const void *data, size_t size, struct btf *base)
{
	return from_bytes(data, size, base, false);
}

struct btf *elf_btf__from_owned_bytes(void *data, size_t size, struct btf *base)
{
	return from_bytes(data, size, base, true);
}

/*
 * BTF that is not split (a base: each module's run reads the vmlinux's)
 * from a regular file's pages: libbpf copies the bytes once into its own
 * memory, where its file reader (btf__parse_raw) or a section copy made one
 * more copy first (~5 MB of fresh pages per run). The same outcomes: an
 * ELF file's .BTF, else raw BTF, which must begin with the BTF magic
 * (EPROTO otherwise, as libbpf). *done is false for what cannot be mapped
 * (not a regular file, empty): the caller reads it the way it always did.
 */
static struct btf *parse_mapped(const char *path, bool *done)
{
	struct btf *btf = NULL;
	struct stat st;
	void *map;
	int fd, err = 0;

	*done = false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 4 ||
	    /* writable and private: libelf may convert headers in place
	     * (elf_memory), never in the file */
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)) == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	*done = true;
	if (!memcmp(map, ELFMAG, SELFMAG)) {
		Elf_Data *d;
		Elf *e;

		elf_version(EV_CURRENT);
		if (!(e = elf_memory(map, (size_t)st.st_size)))
			err = EINVAL;
		else if (!(err = -find_section(e, ".BTF", &d)) && !(btf = btf__new(d->d_buf, (__u32)d->d_size)))
			err = errno;
		if (e)
			elf_end(e);
	} else {
		uint16_t magic;

		memcpy(&magic, map, sizeof(magic));
		if (magic != BTF_MAGIC && magic != __builtin_bswap16(BTF_MAGIC))
			err = EPROTO;
		else if (!(btf = btf__new(map, (__u32)st.st_size)))
			err = errno;
	}
	munmap(map, (size_t)st.st_size);
	close(fd);
	errno = err;
	return btf;
}

struct btf *elf_btf__parse(const char *path, struct btf *base)
{
	struct btf *btf;
	void *data;
	size_t size;
	int err;

	if (!base) {
		bool done;

		btf = parse_mapped(path, &done);
		if (done)
			return btf;
	}
	if (!elf_btf__is_elf(path))
		return base ? btf__parse_raw_split(path, base) : btf__parse_raw(path);
	if ((err = elf_btf__section(path, ".BTF", &data, &size))) {
		errno = -err;
		return NULL;
	}
	btf = elf_btf__from_bytes(data, size, base);
	err = errno;
	free(data);
	errno = err;
	return btf;
}
