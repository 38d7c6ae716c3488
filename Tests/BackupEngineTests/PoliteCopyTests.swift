@testable import BackupEngine
import CSystem
import Foundation
import TestSupport
import XCTest

/// Polite copies (scheduled backups, `create --nice`): paced for the POS's commits, the
/// pacing recorded and said; manual ones at full speed.
final class PoliteCopyTests: XCTestCase {
    func testAPoliteBackupPausesForTheWriterAndSaysSo() throws {
        let tmp = TempDir()
        // About 20 MiB: eighty 256 KiB writeback chunks, each followed by a pause.
        let layout = try makeDataDir(tmp, rows: 200)
        try sqlite3(layout.databasePath, "CREATE TABLE pad(b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 320) INSERT INTO pad SELECT randomblob(65000) FROM n;")
        let engine = BackupEngine(layout: layout)
        let progress = ProgressLog()
        let polite = try engine.createBackup(kind: .scheduled, pace: .polite, progress: { progress.add($0) })
        XCTAssertEqual(polite.record.pace, .polite)
        XCTAssertGreaterThanOrEqual(polite.record.pauses ?? 0, 64, "one pause per 256 KiB written back")
        XCTAssertGreaterThanOrEqual(polite.record.pausedSeconds ?? 0, 0.002 * Double(polite.record.pauses ?? 0))
        XCTAssertEqual(polite.entry.status, .verified)
        XCTAssertTrue(try engine.verify(name: polite.entry.name, full: true).ok)
        let copying = progress.events.filter { $0.phase == .copying }
        XCTAssertFalse(copying.isEmpty)
        XCTAssertTrue(copying.allSatisfy(\.polite), "every copying step says it is polite")

        let full = try engine.createBackup(kind: .manual)
        XCTAssertEqual(full.record.pace, .full)
        XCTAssertNil(full.record.pauses, "a manual backup runs at full speed")
    }

    /// A chunk is 256 KiB whatever the page size: bigger pages make fewer pages a step.
    func testAPoliteStepIsOneChunkAtEveryPageSize() {
        XCTAssertEqual(HotCopy.politeStepPages(pageSize: 4096), 64)
        XCTAssertEqual(HotCopy.politeStepPages(pageSize: 65536), 4)
        XCTAssertEqual(HotCopy.politeStepPages(pageSize: 512), 512)
    }

    /// A WAL copy is switched to a self-contained file (`journal_mode=DELETE`), which syncs
    /// the whole file: a polite copy writes itself back, paced, before that, or the switch
    /// would flush it all at once under the POS's commits (a 170 ms commit at 200 MB).
    func testAPoliteWALCopyIsWrittenBackBeforeItsJournalModeChanges() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 200)
        try sqlite3(layout.databasePath, "CREATE TABLE pad(b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO pad SELECT randomblob(65000) FROM n;")
        let copy = tmp.file("copy.db")
        try FileSystem.createPrivateFile(copy)
        var headerAtPauses: [UInt8] = []
        var hot = HotCopy(busyTimeoutMs: 2000)
        hot.pace = .polite
        // Byte 18 of the header: 2 while the file is still in WAL mode, 1 after the switch.
        hot.pauseHook = { _ in headerAtPauses.append(FileManager.default.contents(atPath: copy).map { $0[18] } ?? 0) }
        let report = try hot.copy(source: layout.databasePath, destination: copy, progress: nil, cancellation: nil)
        XCTAssertEqual(report.strategy, .walSnapshot)
        XCTAssertGreaterThanOrEqual(headerAtPauses.count, 40, "one pause per 256 KiB written back (13 MB)")
        XCTAssertEqual(Set(headerAtPauses), [2], "every pause came before the switch to a self-contained file")
        XCTAssertEqual(FileManager.default.contents(atPath: copy)?[18], 1)
        XCTAssertEqual(try sqlite3(copy, "PRAGMA integrity_check"), "ok")
    }

    func testThePauseFollowsTheWritebackTimeWithinBounds() {
        XCTAssertEqual(WritebackPacer.pause(afterWriteback: 0), 0.002, "the POS gets a turn even on a fast disk")
        XCTAssertEqual(WritebackPacer.pause(afterWriteback: 0.01), 0.02, accuracy: 1e-9)
        XCTAssertEqual(WritebackPacer.pause(afterWriteback: 2), 0.25, "a slow disk does not stretch a backup without end")
    }

    func testThePacerPausesOnlyWhenNoWriterIsHeld() throws {
        let tmp = TempDir()
        let path = tmp.file("copy")
        try Data(count: 16 << 20).write(to: URL(fileURLWithPath: path))
        let pacer = WritebackPacer(path: path, everyBytes: 4 << 20, polite: true)
        defer { pacer.close() }
        var slept: [Double] = []
        pacer.sleep = { slept.append($0) }
        pacer.progress(pagesDone: 1024)                      // 4 MiB: a pause
        pacer.progress(pagesDone: 2048, writersHeld: true)   // a rollback snapshot holds the POS: none
        pacer.progress(pagesDone: 3072)
        XCTAssertEqual(slept.count, 2)
        XCTAssertEqual(pacer.pauses, 2)
        XCTAssertEqual(pacer.pausedSeconds, slept.reduce(0, +), accuracy: 1e-12)
    }

    func testAPoliteBackupsThreadIsNiceForTheChecksAndHashToo() {
        // On a thread of its own: an unprivileged test could not raise its priority back.
        let done = expectation(description: "thread")
        Thread.detachNewThread {
            errno = 0
            let before = mr5_thread_nice_get()
            let saved = IOPriority.lowerForPoliteWork()
            XCTAssertGreaterThanOrEqual(mr5_thread_nice_get(), 10)
            XCTAssertEqual(mr5_ioprio_get_self(), mr5_ioprio_value(2, 7))
            IOPriority.restore(saved)
            if getuid() == 0 { XCTAssertEqual(mr5_thread_nice_get(), before) }
            done.fulfill()
        }
        wait(for: [done], timeout: 10)
    }

    /// In rollback-journal mode the copy holds the POS's writers off, so a polite backup
    /// copies at the thread's own priority and lowers it only for the checks and hash.
    func testAPoliteRollbackBackupLowersItsPriorityOnlyAfterTheCopy() throws {
        let tmp = TempDir()
        let layout = try makeDataDir(tmp, rows: 200)
        try sqlite3(layout.databasePath, "PRAGMA journal_mode=DELETE")
        let done = expectation(description: "thread")
        // On a thread of its own: an unprivileged test could not raise its priority back.
        Thread.detachNewThread {
            defer { done.fulfill() }
            errno = 0
            let before = mr5_thread_nice_get()
            let seen = NiceByPhase()
            let engine = BackupEngine(layout: layout)
            do {
                _ = try engine.createBackup(kind: .scheduled, pace: .polite, progress: { seen.add($0.phase == .copying, mr5_thread_nice_get()) })
            } catch {
                XCTFail("\(error)")
            }
            let (copying, after) = seen.values
            XCTAssertEqual(copying, [before], "the copy runs at the thread's own priority")
            XCTAssertFalse(after.isEmpty)
            XCTAssertTrue(after.allSatisfy { $0 >= 10 }, "checks and hash are polite: \(after)")
        }
        wait(for: [done], timeout: 60)
    }

    func testTheIOPriorityIsLoweredAndPutBack() {
        let before = mr5_ioprio_get_self()
        let saved = IOPriority.lowerForThisThread()
        XCTAssertNotNil(saved, "ioprio_set works for our own thread")
        XCTAssertEqual(mr5_ioprio_get_self(), mr5_ioprio_value(2, 7), "best-effort, lowest level")
        IOPriority.restore(saved)
        XCTAssertEqual(mr5_ioprio_get_self(), before)
    }
}

/// The thread's niceness seen during the copy and after it (progress callbacks are @Sendable).
private final class NiceByPhase: @unchecked Sendable {
    private let lock = NSLock()
    private var copying: Set<Int32> = [], after: Set<Int32> = []
    func add(_ isCopying: Bool, _ nice: Int32) {
        lock.lock(); defer { lock.unlock() }
        if isCopying { copying.insert(nice) } else { after.insert(nice) }
    }
    var values: (Set<Int32>, Set<Int32>) { lock.lock(); defer { lock.unlock() }; return (copying, after) }
}
