import CSystem
import Foundation

/// The I/O priority of the calling thread: a polite backup lowers its own to best-effort 7
/// (the lowest of the normal class; mq-deadline and BFQ honour it, `none` ignores it) and
/// puts the old one back when it is done. Idle class is not used: under a POS that never
/// stops writing it could starve the backup.
enum IOPriority {
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
