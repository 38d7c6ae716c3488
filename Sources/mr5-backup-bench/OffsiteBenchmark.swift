import Foundation

/// `--offsite`: what off-site copies cost over a simulated shop day. For each size, a demo
/// shop (its own old backups removed), a restic folder repository, then 8 rounds of: the
/// POS simulator writing for a few seconds, a backup, a timed push. Reports the bytes the
/// repository holds against 8 full copies, and the push times.
struct OffsiteBenchmark {
    let tools: BenchTools
    let work: String
    var sizesMB = [20, 200]
    var rounds = 8

    struct Row {
        var sizeMB: Int
        var databaseBytes: Int64
        var fullCopiesBytes: Int64
        var repositoryBytes: Int64
        var firstAdded: Int64
        var laterAdded: [Int64]
        var pushSeconds: [Double]
    }

    func run() throws -> [Row] {
        try sizesMB.map(measure)
    }

    private func measure(_ sizeMB: Int) throws -> Row {
        let dir = work + "/offsite-\(sizeMB)"
        let repo = work + "/repo-\(sizeMB)"
        let args = ["--data-dir", dir]
        log("offsite \(sizeMB) MB: making the demo shop ...")
        try check(BenchProcess.run([tools.backup, "demo", "--size-mb", String(sizeMB)] + args, scratch: work), "demo")
        // Only this day's backups count: the demo's history is removed.
        for folder in [dir + "/backups", dir + "/backups/pre-update", dir + "/backups/.meta"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".db") || name.hasSuffix(".sql") || name.hasSuffix(".db.json") {
                try? FileManager.default.removeItem(atPath: folder + "/" + name)
            }
        }
        try check(BenchProcess.run([tools.sim, "init", "--db", dir + "/mr5-pos.db"], scratch: work), "mr5-pos-sim init")
        try check(BenchProcess.run([tools.backup, "offsite", "init", "--same-disk", "--repository", repo] + args, scratch: work), "offsite init")
        var full: Int64 = 0, added: [Int64] = [], seconds: [Double] = []
        for round in 1...rounds {
            try check(BenchProcess.run([tools.sim, "write", "--db", dir + "/mr5-pos.db", "--duration-s", "3", "--interval-ms", "5"], scratch: work), "mr5-pos-sim write")
            let made = try BenchProcess.run([tools.backup, "create", "--json"] + args, scratch: work)
            try check(made, "create")
            full += Self.number("sizeBytes", in: made.stdout) ?? 0
            let push = try BenchProcess.run([tools.backup, "offsite", "push", "--json"] + args, scratch: work)
            try check(push, "offsite push")
            added.append(Self.number("bytesAdded", in: push.stdout) ?? 0)
            seconds.append(push.seconds)
            log("offsite \(sizeMB) MB: round \(round): push \(String(format: "%.2f", push.seconds)) s, \(added.last ?? 0) bytes added")
        }
        let row = Row(sizeMB: sizeMB, databaseBytes: fileSize(dir + "/mr5-pos.db"), fullCopiesBytes: full,
                      repositoryBytes: folderSize(repo), firstAdded: added.first ?? 0, laterAdded: Array(added.dropFirst()),
                      pushSeconds: seconds)
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.removeItem(atPath: repo)
        return row
    }

    private func check(_ t: Timed, _ what: String) throws {
        guard t.status == 0 else { throw BenchError("\(what) failed (exit \(t.status)): \(t.stderr)") }
    }

    /// The first `"key" : number` in JSON text.
    static func number(_ key: String, in json: String) -> Int64? {
        guard let range = json.range(of: "\"\(key)\" : ") else { return nil }
        return Int64(json[range.upperBound...].prefix { $0.isNumber })
    }

    /// The rows as a Markdown table.
    static func markdown(_ rows: [Row]) -> String {
        func mib(_ b: Int64) -> String { String(format: "%.1f MiB", Double(b) / 1_048_576) }
        func median<T: Comparable>(_ xs: [T]) -> T? { xs.isEmpty ? nil : xs.sorted()[xs.count / 2] }
        var out = "| database | 8 full copies | repository after 8 pushes | ratio | first push added | later pushes added (median, min–max) | push time (median, min–max) |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for r in rows {
            let later = "\(mib(median(r.laterAdded) ?? 0)) (\(mib(r.laterAdded.min() ?? 0))–\(mib(r.laterAdded.max() ?? 0)))"
            let push = String(format: "%.2f s (%.2f–%.2f)", median(r.pushSeconds) ?? 0, r.pushSeconds.min() ?? 0, r.pushSeconds.max() ?? 0)
            out += "| \(r.sizeMB) MB (\(mib(r.databaseBytes))) | \(mib(r.fullCopiesBytes)) | \(mib(r.repositoryBytes)) | "
                + String(format: "%.2fx", Double(r.repositoryBytes) / Double(max(1, r.fullCopiesBytes))) + " | \(mib(r.firstAdded)) | \(later) | \(push) |\n"
        }
        return out
    }
}
