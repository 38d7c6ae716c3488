import BackupEngine
import Foundation

/// What the console says when an operation ends: the wording, kept out of the controller
/// (which only runs the work and posts the outcome).
extension OperationOutcome {
    /// `Created backup-…db: verified, 41.9 MiB, 37,243 rows, 0.8 s; retention removed
    /// backup-…db` (the first it removed by name, and how many more).
    static func created(_ r: CreateResult) -> OperationOutcome {
        let rows = r.record.tables.reduce(Int64(0)) { $0 + $1.rows }
        let removed = r.pruned.first.map { "; retention removed \($0)" + (r.pruned.count > 1 ? " and \(r.pruned.count - 1) more" : "") } ?? ""
        return .success("Created \(r.entry.name): verified, \(ByteCount.format(r.entry.sizeBytes)), \(NumberText.grouped(rows)) rows, \(TextFormat.duration(r.record.durationSeconds))"
                        + removed)
    }

    /// The restore's notice: what the database holds now, where the old one is, and to restart the POS app.
    static func restored(_ name: String, _ r: RestoreResult) -> OperationOutcome {
        let saved = r.savedCurrentAs.map { " The previous database is saved as \($0)." } ?? ""
        return .notice(title: "Restored", text: "The database now holds \(name).\(saved) Restart the POS app now so it reopens the database.")
    }

    static func deleted(_ name: String) -> OperationOutcome { .success("Deleted \(name)") }

    static func frequencySet(_ value: BackupFrequency) -> OperationOutcome { .success("Backup frequency set to \(value.settingValue)") }

    /// What the console says about a verification: one line when it passed; when it
    /// failed, why, and the older verified backup to pick instead as the engine names it
    /// (or that there is none). A read-only data dir's check is said to be unrecorded.
    static func verified(_ r: VerifyResult, engine: BackupEngine) -> OperationOutcome {
        let unrecorded = r.recorded ? "" : " (read-only: not recorded)"
        if r.ok {
            return .success("\(r.name) verified: \(r.method) ok, SHA-256 \(r.hashCompared ? "matches" : "recorded")\(unrecorded)")
        }
        let older = LastGoodBackups.olderVerified(than: r.name, engine: engine, backups: engine.listBackups())
        return .failure(title: "Verification failed", message: "\(r.name): \(r.message ?? "failed")\(unrecorded). Do not restore it. "
                        + LastGoodBackups.advice(older: older))
    }

    /// What the message line says after a prune: each removal, then the rules that kept
    /// the rest, as the engine's history entry says it (`removed a, b (kept: 5 newest, ...)`).
    static func message(ofPrune r: PruneResult, policy: RetentionPolicy) -> String {
        let kept = "(kept: \(policy.summary))"
        guard !r.deleted.isEmpty else { return "Nothing to prune " + kept }
        return "Pruned: removed " + r.deleted.map(\.name).joined(separator: ", ") + " " + kept
    }

    /// The alert test's report: one line per delivery (`webhook http://…/… ok 212 ms`).
    static func alertTest(_ results: [DeliveryResult]) -> OperationOutcome {
        guard !results.isEmpty else {
            return .failure(title: "Alert test failed", message: "nothing was sent: the notification lock stayed busy or the logs folder cannot be written; try again in a moment")
        }
        let failed = results.filter { !$0.ok }.count
        let title = failed == 0 ? "Alert test: every delivery ok" : "Alert test: \(failed) of \(results.count) failed"
        return .report(title: title, lines: results.map { $0.ok ? "\($0.target) ok \($0.milliseconds) ms" : "\($0.target) failed: \($0.detail)" })
    }
}
