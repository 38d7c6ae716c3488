@testable import BackupEngine
import Foundation
import TestSupport
import XCTest

/// Waits (real time, polling) until `condition` holds; false on timeout. Used to wait for
/// the scheduler thread to react to a clock advance, never to wait for a schedule.
func waitUntil(timeout: TimeInterval = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// Collects scheduler snapshots from `onChange` (called on the scheduler thread).
final class SnapshotLog: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [SchedulerSnapshot] = []
    private var waiters: [(SchedulerSnapshot) -> Bool] = []
    let sawRunningProgress = DispatchSemaphore(value: 0)
    private var signalled = false

    func add(_ s: SchedulerSnapshot) {
        lock.lock()
        all.append(s)
        let fire = !signalled && s.activity == .running && (s.progressDone ?? 0) > 0
        if fire { signalled = true }
        lock.unlock()
        if fire { sawRunningProgress.signal() }
    }

    var snapshots: [SchedulerSnapshot] { lock.lock(); defer { lock.unlock() }; return all }
}

/// A data dir whose database is big enough (about `megabytes` MiB) that a backup takes a
/// noticeable time, so it can be interrupted while it runs.
func makeBigDataDir(_ tmp: TempDir, megabytes: Int) throws -> DataLayout {
    let layout = try makeDataDir(tmp)
    try sqlite3(layout.databasePath, """
        CREATE TABLE attachments(id INTEGER PRIMARY KEY, body BLOB);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(megabytes * 1024))
          INSERT INTO attachments(body) SELECT randomblob(1000) FROM n;
        PRAGMA wal_checkpoint(TRUNCATE);
        """)
    return layout
}

/// Names of files in the backup folder that are leftovers of an interrupted backup.
func partialFiles(_ layout: DataLayout) -> [String] {
    [layout.backupsDir, layout.preUpdateDir, layout.metaDir].flatMap { dir in
        FileSystem.list(dir).filter { $0.hasPrefix(".tmp-") || $0.hasSuffix("-journal") }.map { dir + "/" + $0 }
    }
}

/// Scheduled-backup attempts in the history, oldest first.
func scheduledAttempts(_ engine: BackupEngine) -> [HistoryEntry] {
    engine.history().filter { $0.operation == .create && $0.trigger == .scheduler }.reversed()
}

/// A manual clock at the current time in whole seconds (the history keeps whole seconds).
func wholeSecondClock() -> ManualClock {
    ManualClock(now: Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
}

/// `mr5-backup daemon` running in its own process.
final class DaemonProcess {
    private let child: ChildProcess

    init(dataDir: String, extra: [String] = []) throws {
        child = try ChildProcess(try BuiltProduct.backup.required(), ["daemon", "--data-dir", dataDir] + extra)
    }

    var pid: Int32 { child.pid }

    /// Sends SIGTERM and returns the exit status and what it wrote to stderr.
    func terminate() -> (status: Int32, stderr: String) {
        child.terminate()
        return (child.process.terminationStatus, child.stderr)
    }
}
