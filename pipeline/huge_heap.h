/* pipeline/huge_heap.h: the heap in transparent huge pages, where the kernel
 * gives them only to memory that asks (THP mode "madvise").
 *
 * Page faults are a large share of a run: the heap is touched for the first
 * time as it grows (libbpf's copies of each batch, the merged BTF, the base
 * BTF of a module), one fault per 4 KiB page at ~12 us each on a virtual
 * machine. glibc 2.35+ asks the kernel for 2 MiB pages on its heaps when
 * started with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, a setting read only at
 * process start. So, before any thread, file or token of its own, btfstream
 * runs itself again (execv of /proc/self/exe, same argv and pid) with that
 * tunable added, when all of these hold:
 *   - glibc is 2.35 or newer and the kernel's mode is "madvise" (in "always"
 *     and "never" glibc does nothing with the tunable);
 *   - GLIBC_TUNABLES does not already set glibc.malloc.hugetlb (the user's
 *     choice wins; it also ends the re-execution);
 *   - no memory budget is in force (--memory-limit, or a memory cgroup's
 *     limit: a huge page is resident whole, and a budget is about RSS);
 *   - BTFSTREAM_HUGE_HEAP is not "0";
 *   - malloc is glibc's: LD_PRELOAD is unset or empty (valgrind, a test's
 *     allocation failures or another allocator may own malloc, and valgrind
 *     would not follow the second start), and malloc is in libc.so (not a
 *     sanitizer's runtime in the binary);
 *   - /proc/self/exe is the program (AT_EXECFN names the same file): not
 *     when started through the dynamic loader, which /proc/self/exe then
 *     names.
 * If the execv fails, the run goes on with 4 KiB pages.
 *
 * Main thread only, before any other thread exists.
 */
#ifndef BTFSTREAM_HUGE_HEAP_H
#define BTFSTREAM_HUGE_HEAP_H

#include <stdbool.h>
#include <stddef.h>

/* Runs the process again with the tunable when the rules above say so (it
 * does not return then); otherwise returns, having noted what the heap is
 * for huge_heap__describe. budget: a memory budget is in force. argv:
 * main's, as it was before option parsing (GNU getopt reorders it). */
void huge_heap__reexec(char *const *argv, bool budget);

/* What this process's heap is made of, for --stats and -v: "2 MiB pages on
 * request (GLIBC_TUNABLES=...)" or "4 KiB pages: " and why. Static storage. */
const char *huge_heap__describe(void);

/* This process's heap is in huge pages (the tunable is on and glibc and
 * the kernel act on it): its own large mappings may ask for them too. */
bool huge_heap__on(void);

/* glibc.malloc.hugetlb's value in tunables ("name=value:name=value", may
 * be NULL) into val (len bytes); false when it is not set there. */
bool huge_heap__tunable(const char *tunables, char *val, size_t len);

/* The THP mode from a line like "always [madvise] never": "always",
 * "madvise", "never", or NULL (tests call it with their own lines). */
const char *huge_heap__mode(const char *line);

#endif
