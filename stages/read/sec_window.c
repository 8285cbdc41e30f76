/* stages/read/sec_window.c: see sec_window.h. */
#include "stages/read/sec_window.h"

#include <errno.h>
#include <stdlib.h>

#include "stages/common/pread_full.h"

/* Reads [off, off + n) of the section into the buffer; 0 or -errno. A short
 * read (the file shorter than its section headers say) keeps what came. */
static int fill(struct sec_window *w, const struct sec_file *s, uint64_t off, size_t n)
{
	ssize_t got;

	if (n > w->cap) {
		unsigned char *b = realloc(w->buf, n);

		if (!b)
			return -ENOMEM;
		w->buf = b;
		w->cap = n;
	}
	w->lo = w->hi = off;
	if ((got = pread_full(s->fd, w->buf, n, (off_t)(s->off + off))) < 0)
		return (int)got;
	w->reads++;
	w->bytes += (uint64_t)got;
	w->hi = off + (uint64_t)got;
	return got ? 0 : -EIO;
}

const unsigned char *sec_window__at(struct sec_window *w, const struct sec_file *s, uint64_t off, size_t want,
				    const unsigned char **end, int *at_section_end)
{
	uint64_t need, n;
	int err;

	if (!s || off >= s->size)
		return errno = ERANGE, NULL;
	need = want < s->size - off ? want : s->size - off;
	if (off < w->lo || off + need > w->hi) {
		n = want > SEC_WINDOW_CHUNK ? want : SEC_WINDOW_CHUNK;
		if (n > s->size - off)
			n = s->size - off;
		if ((err = fill(w, s, off, (size_t)n)))
			return errno = -err, NULL;
		if (w->hi < off + need)	/* the file ends inside the section */
			return errno = EIO, NULL;
	}
	*end = w->buf + (w->hi - w->lo);
	*at_section_end = w->hi == s->size;
	return w->buf + (off - w->lo);
}

void sec_window__fini(struct sec_window *w)
{
	free(w->buf);
	w->buf = NULL;
	w->cap = 0;
	w->lo = w->hi = 0;
}
