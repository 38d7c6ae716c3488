import Foundation

/// The continuous restore drill: a replica nobody has restored is a hope. The newest
/// moment is restored into a private temp folder and checked (`integrity_check`); then the
/// moment of the newest verified backup is restored and must hold the same rows in every
/// table as that backup. Both files are removed; the result is kept in the state.
extension ContinuousService {
    public struct DrillResult: Sendable, Equatable {
        public var message: String
        public var comparedWith: String?
    }

    @discardableResult
    public func drill(trigger: Trigger = .cli, cancellation: CancellationFlag? = nil) throws -> DrillResult {
        guard let config = self.config() else { throw BackupError.continuousNotConfigured }
        return try engine.recorded(.continuousDrill, trigger: trigger, failureLog: "Continuous restore drill failed: ") { run in
            let now = clock.now()
            do {
                let result = try drillCopies(config, cancellation: cancellation)
                writeDrill(.init(at: now, ok: true, message: result.message))
                engine.record(run.entry(outcome: .success, backupName: result.comparedWith, message: result.message))
                logger.info("Continuous restore drill: \(result.message)")
                return result
            } catch let error as BackupError where error != .cancelled {
                let damaged: Bool
                switch error {
                case .verificationFailed: damaged = true
                default: damaged = false
                }
                writeDrill(.init(at: now, ok: false, message: error.description, damaged: damaged))
                throw error
            }
        }
    }

    private func writeDrill(_ outcome: ContinuousState.Drill) {
        writeState { $0.lastDrill = outcome }
    }

    private func drillCopies(_ config: ContinuousConfig, cancellation: CancellationFlag?) throws -> DrillResult {
        let litestream = try litestream(config, cancellation: cancellation)
        // Litestream writes its restores readable by all: into a folder only we can enter.
        let folder = FileSystem.temporaryPath(in: paths.directory, label: "drill")
        try FileSystem.makeDirectory(folder, mode: 0o700)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let newest = folder + "/newest.db"
        try litestream.restore(database: layout.databasePath, into: newest, at: nil)
        if let findings = try BackupInspector.check(path: newest, full: true) {
            throw BackupError.verificationFailed(name: "the replica's newest moment", reason: findings.summary)
        }
        let rows = try BackupInspector.tableCounts(path: newest).reduce(0) { $0 + $1.rows }
        var message = "the newest moment restores and checks ok (\(rows) rows)"
        let status = self.status()
        guard let backup = engine.newestVerified(in: engine.catalog.entries()), let record = backup.record,
              let start = status.windowStart, backup.createdAt >= start else {
            return DrillResult(message: message + "; no verified backup inside the window to compare with yet (the next backup will be)", comparedWith: nil)
        }
        // The backup's moment, to the second Litestream takes, and the second after it
        // (the backup read the database at some instant inside that second).
        for offset in [0.0, 1.0] {
            let moment = folder + "/moment-\(Int(offset)).db"
            try litestream.restore(database: layout.databasePath, into: moment, at: backup.createdAt.addingTimeInterval(offset))
            if try BackupInspector.tableCounts(path: moment) == record.tables {
                message += "; the moment of \(backup.name) holds the same rows in every table"
                return DrillResult(message: message, comparedWith: backup.name)
            }
        }
        throw BackupError.verificationFailed(name: "the replica", reason: "the moment of \(backup.name) does not hold the rows that backup holds")
    }
}
