/* stages/common/libbpf_log.h: libbpf's own messages, as detail.
 *
 * libbpf prints warnings to stderr by default: about a corrupt input that
 * btfstream then names in its one error line, and (libbpf 1.3 and later)
 * about BTF that btfstream builds on purpose. A failure is one line from
 * btfstream; libbpf's lines are shown at debug level (-v) as
 * "libbpf: ...". The CLI installs it with libbpf_set_print before any
 * thread starts (diff too); libbpf calls it from any thread.
 */
#ifndef BTFSTREAM_LIBBPF_LOG_H
#define BTFSTREAM_LIBBPF_LOG_H

#include <bpf/libbpf.h>
#include <stdarg.h>

int libbpf_log__print(enum libbpf_print_level level, const char *fmt, va_list ap);

#endif
