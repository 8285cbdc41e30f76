/* stages/common/progress.h: one line of progress on stderr while a long
 * conversion runs ("btfstream: vmlinux: 1234/2903 CUs, 7 batches, 1.4 s"),
 * redrawn in place at most every PROGRESS_PERIOD_MS and erased at the end.
 *
 * Only for a person watching: the CLI turns it on for --progress, or with
 * --progress=auto (the default) when stderr is a terminal, not under -q,
 * not run as "pahole" and not under make (MAKELEVEL: kbuild's lines stay
 * clean). progress__tick is cheap when nothing is due (one clock read).
 * Main thread only (the writer loop calls it).
 */
#ifndef BTFSTREAM_PROGRESS_H
#define BTFSTREAM_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_PERIOD_MS 200

struct progress {
	bool on;
	const char *label;	/* the input's name */
	uint64_t t0_ns, next_ns;
	bool drawn;
};

void progress__start(struct progress *p, bool on, const char *label);
void progress__tick(struct progress *p, uint64_t done, uint64_t total, uint64_t batches);
void progress__end(struct progress *p);

#endif
