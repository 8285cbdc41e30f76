/* stages/common/probes.h: USDT probes (static markers) for external profilers.
 *
 * With <sys/sdt.h> (Debian: systemtap-sdt-dev) each PROBE_* below is a
 * zero-cost nop in the binary plus a note in .note.stapsdt that perf,
 * bpftrace and systemtap can attach to; without it they compile to nothing.
 * Any thread may fire them. docs/profiling.md lists them with examples.
 *
 *   btfstream:read_cu_start   (cu, reader)          a reader starts CU #cu
 *   btfstream:read_cu_end     (cu, reader, records) ... and has its records
 *   btfstream:write_cu_start  (cu)                  the writer starts CU #cu
 *   btfstream:write_cu_end    (cu, types)           ... and appended it
 *   btfstream:stage_start     (name)                a whole-program stage
 *   btfstream:stage_end       (name)                (funcs, dedup, emit)
 */
#ifndef BTFSTREAM_PROBES_H
#define BTFSTREAM_PROBES_H

#if defined(__has_include)
#if __has_include(<sys/sdt.h>)
#include <sys/sdt.h>
#define BTFSTREAM_HAVE_SDT 1
#endif
#endif

#ifdef BTFSTREAM_HAVE_SDT
#define PROBE_READ_CU_START(cu, reader) STAP_PROBE2(btfstream, read_cu_start, cu, reader)
#define PROBE_READ_CU_END(cu, reader, n) STAP_PROBE3(btfstream, read_cu_end, cu, reader, n)
#define PROBE_WRITE_CU_START(cu) STAP_PROBE1(btfstream, write_cu_start, cu)
#define PROBE_WRITE_CU_END(cu, n) STAP_PROBE2(btfstream, write_cu_end, cu, n)
#define PROBE_STAGE_START(name) STAP_PROBE1(btfstream, stage_start, name)
#define PROBE_STAGE_END(name) STAP_PROBE1(btfstream, stage_end, name)
#else
#define PROBE_READ_CU_START(cu, reader) do { } while (0)
#define PROBE_READ_CU_END(cu, reader, n) do { } while (0)
#define PROBE_WRITE_CU_START(cu) do { } while (0)
#define PROBE_WRITE_CU_END(cu, n) do { } while (0)
#define PROBE_STAGE_START(name) do { } while (0)
#define PROBE_STAGE_END(name) do { } while (0)
#endif

#endif
