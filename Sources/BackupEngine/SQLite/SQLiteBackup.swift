import CSQLite
import Foundation

/// One run of SQLite's online backup API, and the one step loop both the hot copy and the
/// restore use.
///
/// The loop's policy for contention: a step that meets BUSY/LOCKED is retried after a short
/// pause until the busy timeout runs out (then it fails as "locked"); a step that finds
/// more pages left than the step before was restarted from page 1 by another connection's
/// write, which is reported to the caller (the hot copy counts restarts and changes strategy).
final class SQLiteBackup {
    /// What one successful step did.
    struct Step {
        var done: Int64
        var total: Int64
        /// A write by another connection sent the copy back to page 1.
        var restarted: Bool
        /// How long the step took (a lock is held for that long in rollback mode).
        var seconds: Double
    }

    /// Which side's lock a BUSY waits for (named in the error when the wait runs out).
    enum Contended { case source, destination }

    struct Policy {
        var busyTimeoutMs: Int32
        var busyPauseMicros: useconds_t = 2_000
        var contended: Contended = .source
    }

    private let backup: OpaquePointer
    private let source: SQLiteConnection
    private let destination: SQLiteConnection
    private var finished = false

    init(from source: SQLiteConnection, to destination: SQLiteConnection) throws {
        guard let backup = sqlite3_backup_init(destination.handle, "main", source.handle, "main") else {
            throw destination.lastError()
        }
        self.backup = backup
        self.source = source
        self.destination = destination
    }

    deinit {
        // An unfinished backup must still be released; the caller removes the destination.
        if !finished { sqlite3_backup_finish(backup) }
    }

    /// Steps until every page is copied. `pages()` gives each step's size (it may change
    /// between steps); `afterStep` sees each step and may throw to stop (cancellation).
    func run(policy: Policy, pages: () -> Int32, afterStep: (Step) throws -> Void) throws {
        var previousRemaining = Int32.max
        var busySince: Date?
        while true {
            let started = Date()
            let rc = sqlite3_backup_step(backup, pages())
            let seconds = Date().timeIntervalSince(started)
            let remaining = sqlite3_backup_remaining(backup)
            let total = Int64(sqlite3_backup_pagecount(backup))
            if rc == SQLITE_DONE {
                try afterStep(Step(done: total, total: total, restarted: false, seconds: seconds))
                return
            }
            if rc == SQLITE_OK {
                busySince = nil
                let restarted = remaining > previousRemaining
                previousRemaining = remaining
                try afterStep(Step(done: total - Int64(remaining), total: total, restarted: restarted, seconds: seconds))
                continue
            }
            let primary = rc & 0xFF
            if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
                let since = busySince ?? started
                busySince = since
                if Date().timeIntervalSince(since) * 1000 < Double(policy.busyTimeoutMs) {
                    usleep(policy.busyPauseMicros)
                    continue
                }
            }
            throw stepError(rc, policy: policy)
        }
    }

    /// Releases the backup; SQLite commits the destination here.
    func finish() throws {
        finished = true
        let rc = sqlite3_backup_finish(backup)
        guard rc == SQLITE_OK else { throw stepError(sqlite3_extended_errcode(destination.handle), policy: nil) }
    }

    private func stepError(_ rc: Int32, policy: Policy?) -> SQLiteError {
        // A full disk is always the destination's; other failures name the side we contend for.
        let side = (rc & 0xFF) == SQLITE_FULL ? .destination : (policy?.contended ?? .destination)
        let connection = side == .source ? source : destination
        // Either side's system errno (a file the step opened lazily): the one that is set.
        let other = side == .source ? destination : source
        var systemErrno = sqlite3_system_errno(connection.handle)
        if systemErrno == 0 { systemErrno = SQLiteError.systemErrno(other.handle, code: rc, path: other.path) }
        return SQLiteError(extendedCode: rc, message: String(cString: sqlite3_errstr(rc)),
                           path: connection.path, busyTimeoutMs: policy?.busyTimeoutMs ?? connection.busyTimeoutMs,
                           systemErrno: systemErrno)
    }
}
