import BackupEngine
import DemoShop
import Foundation
import TestSupport
import XCTest
@testable import Console

/// A real demo data dir (real SQLite database, real verified backups, a legacy .sql file,
/// a history with a failed attempt) built by `DemoShop`, read the way the console reads it.
final class ConsoleFixture {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)   // 2027-01-15 08:00:00 UTC
    private let tmp = TempDir("mr5-console")
    var dir: String { tmp.path }
    let clock: ManualClock
    let engine: BackupEngine

    init() throws {
        _ = try DemoShop.create(at: tmp.path, sizeMB: 1, now: Self.now)
        clock = ManualClock(now: Self.now)
        engine = BackupEngine(layout: DataLayout(dataDir: tmp.path), clock: clock)
    }

    /// The state after the console's first refresh, at a terminal size and in a mode.
    func state(width: Int = 80, height: Int = 24, unicode: Bool = true, colour: Bool = true,
               scheduler: SchedulerSnapshot? = nil) -> ConsoleState {
        Self.state(engine: engine, width: width, height: height, unicode: unicode, colour: colour,
                   scheduler: scheduler ?? idleSnapshot(nextIn: 9677))
    }

    /// The state after the console's first refresh of any engine's data dir.
    static func state(engine: BackupEngine, width: Int = 80, height: Int = 24, unicode: Bool = true, colour: Bool = true,
                      scheduler: SchedulerSnapshot?, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> ConsoleState {
        var state = ConsoleState(capabilities: TerminalCapabilities(unicode: unicode, colour: colour),
                                 width: width, height: height, now: engine.clock.now(), timeZone: timeZone)
        state.schedulerUpdated(scheduler)
        state.apply(ConsoleApp.read(engine: engine, snapshot: state.scheduler))
        return state
    }

    /// Replaces the live database with `contents` (nil: removes it), with its WAL files.
    func replaceLiveDatabase(with contents: Data?) throws {
        let path = engine.layout.databasePath
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        if let contents { try contents.write(to: URL(fileURLWithPath: path)) }
    }

    /// A scheduler owned by this console, idle, with the next run `seconds` from the clock's now.
    func idleSnapshot(nextIn seconds: TimeInterval, interval: Int = 3 * 3600) -> SchedulerSnapshot {
        var s = SchedulerSnapshot(activity: .idle, frequency: BackupFrequency.every(seconds: interval).settingValue,
                                  intervalSeconds: interval, updatedAt: clock.now())
        s.nextRunAt = clock.now().addingTimeInterval(seconds)
        s.ownerPid = getpid()
        return s
    }
}

extension ScreenGrid {
    /// Rows whose text contains `needle`.
    func rows(containing needle: String) -> [Int] {
        (0..<height).filter { line($0).contains(needle) }
    }

    func contains(_ needle: String) -> Bool { !rows(containing: needle).isEmpty }

    /// The style of the first cell of the first occurrence of `needle`.
    func style(of needle: String) -> CellStyle? {
        for r in 0..<height {
            let l = line(r)
            if let range = l.range(of: needle) {
                return self[r, l.distance(from: l.startIndex, to: range.lowerBound)].style
            }
        }
        return nil
    }
}

extension ConsoleState {
    /// A refresh that reads what the last one read, with `change` made: how a test puts a
    /// verdict, a read-only folder or a retention rule on screen, by the same step the
    /// console takes when a refresh arrives (never by writing a field).
    mutating func refreshed(_ change: (inout RefreshData) -> Void) {
        var data = RefreshData(backups: backups, lastGood: lastGood, disk: disk, database: database,
                               databaseProblem: databaseProblem, history: history, retention: retention,
                               alertTargets: alertTargets, pendingAlerts: pendingAlerts, offsite: offsite,
                               health: health ?? HealthReport(level: .ok, findings: []), live: live ?? .ok,
                               lastLiveCheck: lastLiveCheck, readOnly: readOnly, backupsUnreadable: backupsUnreadable)
        change(&data)
        apply(data)
    }
}
