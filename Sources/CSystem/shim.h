#ifndef MR5_CSYSTEM_SHIM_H
#define MR5_CSYSTEM_SHIM_H
#include <sys/syscall.h>
#include <unistd.h>

/* Linux calls with no glibc wrapper (ioprio) or one Swift's Glibc module hides
   (sync_file_range), made through syscall(2), which Swift cannot call (it is variadic). */

/* The I/O priority of the calling thread (IOPRIO_WHO_PROCESS with who 0). */
static inline int mr5_ioprio_get_self(void) { return (int)syscall(SYS_ioprio_get, 1, 0); }
static inline int mr5_ioprio_set_self(int value) { return (int)syscall(SYS_ioprio_set, 1, 0, value); }
/* IOPRIO_PRIO_VALUE(class, level): class 1 realtime, 2 best-effort, 3 idle; level 0 (high) to 7 (low). */
static inline int mr5_ioprio_value(int ioclass, int level) { return (ioclass << 13) | level; }

/* Writes back [offset, offset+bytes) of fd and waits until it is on the disk
   (SYNC_FILE_RANGE_WAIT_BEFORE | WRITE | WAIT_AFTER = 1 | 2 | 4). */
static inline int mr5_sync_range(int fd, long long offset, long long bytes) {
    return (int)syscall(SYS_sync_file_range, fd, offset, bytes, 7);
}
/* Starts writeback of [offset, offset+bytes) of fd without waiting and without dropping
   the pages from the cache (SYNC_FILE_RANGE_WRITE = 2). */
static inline int mr5_start_writeback(int fd, long long offset, long long bytes) {
    return (int)syscall(SYS_sync_file_range, fd, offset, bytes, 2);
}
/* The CPU niceness of the calling thread alone (setpriority with its thread id). */
#include <sys/resource.h>
static inline int mr5_thread_nice_get(void) { return getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)); }
static inline int mr5_thread_nice_set(int value) { return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), value); }
#endif
