import Foundation

/// restic's output, read in one place: the summary of `backup --json`, the groups of
/// `forget --json`, the totals of `stats --json`, and the lines of `check` that name a
/// problem. Each reader returns nil (or nothing) for output it does not recognise, and the
/// caller says what that means.
extension Restic {
    /// The snapshot id and bytes added from `restic backup --json`'s summary line.
    static func backupSummary(_ stdout: Data) -> (snapshot: String, added: Int64)? {
        struct Summary: Decodable {
            var message_type: String
            var snapshot_id: String?
            var data_added: Int64?
        }
        for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n").reversed() {
            guard let s = try? JSONDecoder().decode(Summary.self, from: Data(line.utf8)), s.message_type == "summary",
                  let id = s.snapshot_id else { continue }
            return (id, s.data_added ?? 0)
        }
        return nil
    }

    /// Kept and removed snapshot ids from `restic forget --json` (the first line that is its JSON).
    static func forgetCounts(_ stdout: Data) -> (kept: Int, removed: [String]) {
        struct Group: Decodable {
            struct Snap: Decodable { var short_id: String? ; var id: String? }
            var keep: [Snap]?
            var remove: [Snap]?
        }
        for line in String(decoding: stdout, as: UTF8.self).split(separator: "\n") where line.hasPrefix("[") {
            guard let groups = try? JSONDecoder().decode([Group].self, from: Data(line.utf8)) else { continue }
            let kept = groups.reduce(0) { $0 + ($1.keep?.count ?? 0) }
            let removed = groups.flatMap { $0.remove ?? [] }.map { $0.short_id ?? String(($0.id ?? "").prefix(8)) }
            return (kept, removed)
        }
        return (0, [])
    }

    /// Bytes stored and snapshots counted, from `stats --json` (its last JSON line).
    static func statsSummary(_ stdout: Data) -> (bytes: Int64?, snapshots: Int?)? {
        struct Stats: Decodable { var total_size: Int64?; var snapshots_count: Int? }
        let line = String(decoding: stdout, as: UTF8.self).split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
        guard let stats = try? JSONDecoder().decode(Stats.self, from: Data(line.utf8)) else { return nil }
        return (stats.total_size, stats.snapshots_count)
    }

    /// The lines of `restic check` output that name a problem.
    static func checkErrors(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { let l = $0.lowercased(); return l.contains("error") || l.contains("fatal") || l.contains("damaged") || l.contains("does not match") || l.contains("mismatch") }
            .filter { !$0.lowercased().hasPrefix("no errors") && !$0.hasPrefix("Fatal: repository contains errors") }
    }

    /// True for a subset that reads all of the data (`100%`, `1/1`): the one check whose
    /// pass clears a damage finding.
    static func isWholeSubset(_ s: String) -> Bool {
        if s.hasSuffix("%"), let p = Double(s.dropLast()) { return p >= 100 }
        let parts = s.split(separator: "/")
        return parts.count == 2 && parts[0] == parts[1]
    }

    /// True when restic's text says the repository's own data is damaged (a pack whose
    /// bytes changed, a blob or pack gone, a file that does not decrypt), as opposed to a
    /// repository it could not reach or open.
    static func saysDamaged(_ text: String) -> Bool {
        let lower = text.lowercased()
        // Words only damaged data gives: these stand whatever else the text says.
        if ["ciphertext verification failed", "pack id does not match", "invalid data returned", "returned invalid hash"].contains(where: lower.contains)
            || lower.range(of: #"(blob|id) [0-9a-f]{64} not found in (repository|index)"#, options: .regularExpression) != nil
            || lower.range(of: #"pack [0-9a-f]{64}: does not exist"#, options: .regularExpression) != nil {
            return true
        }
        // check ends with "repository contains errors" for a pack it could not download
        // as well: that, and a pack the storage says is gone, are damage only when nothing
        // in the text says the way there failed (a reset connection, a timeout, a 5xx).
        guard !saysTheWayFailed(lower) else { return false }
        let packGone = lower.contains("failed to download") && ["no such file", "nosuchkey", "does not exist"].contains(where: lower.contains)
        return packGone || lower.contains("repository contains errors")
    }

    /// restic's line about damage in words a technician reads, the object's short id kept;
    /// a line it does not know, shortened from the front (its cause is at its end).
    static func damageReason(_ line: String) -> String {
        func first(_ pattern: String) -> String? {
            guard let re = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]),
                  let m = re.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                  let r = Range(m.range(at: 1), in: line) else { return nil }
            return String(line[r].prefix(8))
        }
        if let id = first(#"Pack ID does not match, want ([0-9a-f]{8,})"#) { return "pack \(id) no longer matches its id (its bytes changed on the storage)" }
        if let id = first(#"pack ([0-9a-f]{8,}): does not exist"#) { return "pack \(id) is gone from the storage" }
        if let id = first(#"blob ([0-9a-f]{8,}) failed: ciphertext verification failed"#) { return "blob \(id) does not decrypt (ciphertext verification failed)" }
        if let id = first(#"(?:blob|id) ([0-9a-f]{8,}) not found in (?:repository|index)"#) { return "blob \(id) is missing from the repository" }
        if let id = first(#"load <snapshot/([0-9a-f]{8,})>: invalid data returned"#) { return "snapshot \(id)'s file is damaged (invalid data returned)" }
        return OneLine.keepingEnd(line, limit: 140)
    }

    /// Words of a network or storage service failing on the way, not of the data.
    static func saysTheWayFailed(_ lower: String) -> Bool {
        ["connection reset", "unexpected eof", "context deadline", "broken pipe", "slowdown", "timeout", "timed out",
         "tls", "x509", "no route to host", "connection refused", "service unavailable", "internal error", "internalerror",
         "503 ", "500 ", "502 ", "504 ", "i/o error", "input/output error", "transport endpoint", "stale file handle"].contains(where: lower.contains)
    }

    /// What `check` found damaged: the packs (full ids) and the trees it named.
    static func damagedObjects(_ text: String) -> (packs: [String], trees: [String]) {
        func ids(_ pattern: String) -> [String] {
            guard let re = try? NSRegularExpression(pattern: pattern) else { return [] }
            let ns = text as NSString
            return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) }
        }
        let packs = ids(#"Pack ID does not match, want ([0-9a-f]{64})"#) + ids(#"pack ([0-9a-f]{64}): does not exist"#)
            + ids(#"pack ([0-9a-f]{64})[^\n]*(?:ciphertext verification failed|invalid hash|invalid data)"#)
        let trees = ids(#"tree ([0-9a-f]{64}):"#)
        var seen = Set<String>()
        return (packs.filter { seen.insert($0).inserted }, trees.filter { seen.insert($0).inserted })
    }

    /// A `--read-data-subset` restic takes: a percentage (5%), a fraction (1/10) or a size (500M).
    static func validSubset(_ s: String) -> Bool {
        if s.hasSuffix("%"), let p = Double(s.dropLast()), p > 0, p <= 100 { return true }
        let parts = s.split(separator: "/")
        if parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]), n >= 1, m >= 1, n <= m { return true }
        if let last = s.last, "KMGTkmgt".contains(last), let n = Double(s.dropLast()), n > 0 { return true }
        return false
    }

    /// A lock file's JSON as `restic cat lock` prints it.
    static func lock(fromJSON data: Data) -> RepositoryLock? {
        struct Lock: Decodable { var time: String; var exclusive: Bool?; var hostname: String; var pid: Int32 }
        guard let lock = try? JSONDecoder().decode(Lock.self, from: data) else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        // restic writes nanoseconds; ISO8601DateFormatter reads at most milliseconds.
        let trimmed = lock.time.replacingOccurrences(of: #"(\.\d{3})\d+"#, with: "$1", options: .regularExpression)
        guard let at = f.date(from: trimmed) ?? plain.date(from: lock.time) else { return nil }
        return RepositoryLock(host: lock.hostname, pid: lock.pid, createdAt: at, exclusive: lock.exclusive ?? false)
    }
}
