import CSystem
import Foundation

/// The I/O priority of the calling thread: a polite backup lowers its own to best-effort 7
/// (the lowest of the normal class; mq-deadline and BFQ honour it, `none` ignores it) and
/// puts the old one back when it is done. Idle class is not used: under a POS that never
/// stops writing it could starve the backup.
enum IOPriority {
    /// What a polite copy changed on its thread, to put back.
    struct Saved { var io: Int32?; var nice: Int32? }

    /// Lowers this thread's I/O priority and its CPU priority (nice 10: the checks and the
    /// hash take a core the POS may want); returns what to restore.
    static func lowerForPoliteWork() -> Saved {
        errno = 0
        let nice = mr5_thread_nice_get()
        let niceOK = errno == 0 && mr5_thread_nice_set(max(nice, 10)) == 0
        return Saved(io: lowerForThisThread(), nice: niceOK ? nice : nil)
    }

    /// Puts both back. Raising the CPU priority again needs privileges an unprivileged
    /// daemon lacks: then the thread (the scheduler's own) stays nice, which is harmless.
    static func restore(_ saved: Saved) {
        restore(saved.io)
        if let nice = saved.nice { _ = mr5_thread_nice_set(nice) }
    }

    /// Lowers this thread's I/O priority; returns what to restore, nil when it could not.
    static func lowerForThisThread() -> Int32? {
        let old = mr5_ioprio_get_self()
        guard old >= 0, mr5_ioprio_set_self(mr5_ioprio_value(2, 7)) == 0 else { return nil }
        return old
    }

    static func restore(_ old: Int32?) {
        guard let old else { return }
        _ = mr5_ioprio_set_self(old)
    }
}
