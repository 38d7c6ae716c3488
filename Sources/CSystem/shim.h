#ifndef MR5_CSYSTEM_SHIM_H
#define MR5_CSYSTEM_SHIM_H
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
/* glibc 2.26 and 2.34 extensions, declared here: defining _GNU_SOURCE in this module
   would change struct definitions that Swift's Glibc module also holds. */
#ifndef POSIX_SPAWN_SETSID
#define POSIX_SPAWN_SETSID 0x80
#endif
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *, int);
extern int pipe2(int pipefd[2], int flags);
#include <fcntl.h>
/* Opens a name as a handle without following it (Linux; this value on x86-64 and ARM). */
#ifndef O_PATH
#define MR5_O_PATH 010000000
#else
#define MR5_O_PATH O_PATH
#endif

/* A pipe whose two ends are closed on exec (the child gets only what mr5_spawn dup2s). */
static inline int mr5_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }
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

/* Starts a child in a session of its own, with no controlling terminal: a program the
   data dir's owner chose (a notification command, ssh under restic) must not reach the
   technician's terminal (TIOCSTI) after a root run switched to that owner. Its stdin,
   stdout and stderr are the given descriptors; every other descriptor is closed; signals
   are at their defaults and none is blocked. Returns posix_spawn's error number. */
static inline int mr5_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
                            int in_fd, int out_fd, int err_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    sigset_t all, none;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_init(&attributes);
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&attributes, &all);
    posix_spawnattr_setsigmask(&attributes, &none);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    int rc = posix_spawn(pid, path, &actions, &attributes, argv, envp);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

/* After dropping root: no core dumps of our memory and no ptrace by the new user, even
   where fs.suid_dumpable is 1. */
static inline int mr5_set_not_dumpable(void) { return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); }
#endif
