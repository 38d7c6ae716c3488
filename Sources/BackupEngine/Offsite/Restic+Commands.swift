import Foundation

/// restic's command vocabulary, in one place: the engine asks for a backup, a forget, a
/// check, a snapshot list, stats, a dump, an unlock, and never spells restic's arguments
/// itself. Every snapshot of ours carries the tag `mr5-backup` and its terminal as host.
extension Restic {
    /// The tag on every snapshot mr5-backup makes.
    static let tag = "mr5-backup"

    /// Opens the repository (reads its config): fails as not found, wrong password or unreachable.
    func open(timeLimit: TimeInterval = 120) throws {
        _ = try run("setup", ["cat", "config"], timeLimit: timeLimit)
    }

    /// Makes a new repository (format 2, compressed).
    func initialise(timeLimit: TimeInterval = 300) throws {
        _ = try run("setup", ["init", "--repository-version", "2"], timeLimit: timeLimit)
    }

    /// `backup --stdin` of one file as `mr5-pos.db`, with our tags and its own time.
    func backup(file: String, host: String, tags: [String], time: String, timeLimit: TimeInterval) throws -> ChildProgram.Result {
        try run("push", ["backup", "--json", "--stdin", "--stdin-filename", DataLayout.defaultDatabaseName,
                         "--host", host, "--tag", Self.tag] + tags.flatMap { ["--tag", $0] } + ["--time", time],
                input: .file(file), timeLimit: timeLimit)
    }

    /// `forget` of this host's snapshots down to the kept counts, pruning unless a dry run.
    func forget(host: String, daily: Int, weekly: Int, monthly: Int, dryRun: Bool, timeLimit: TimeInterval) throws -> ChildProgram.Result {
        try run("prune", ["forget", "--json", "--host", host, "--tag", Self.tag,
                          "--keep-daily", String(daily), "--keep-weekly", String(weekly), "--keep-monthly", String(monthly)]
                + (dryRun ? ["--dry-run"] : ["--prune"]), timeLimit: timeLimit)
    }

    /// `check --read-data-subset` (`5%`, `100%`).
    func check(subset: String, timeLimit: TimeInterval) throws -> ChildProgram.Result {
        try run("check", ["check", "--read-data-subset", subset], timeLimit: timeLimit)
    }

    /// Our snapshots as JSON, of one host or (nil) every host.
    func snapshots(host: String?, timeLimit: TimeInterval = 600) throws -> ChildProgram.Result {
        // Reading takes no lock: a dead till's lock must never keep a recovery from listing.
        try run("list", ["snapshots", "--no-lock", "--json", "--tag", Self.tag] + (host.map { ["--host", $0] } ?? []), timeLimit: timeLimit)
    }

    /// True when the repository holds the snapshot `id` (its short or long id).
    func hasSnapshot(_ id: String, timeLimit: TimeInterval = 300) throws -> Bool {
        let out = try run("push", ["snapshots", "--no-lock", "--json", id], timeLimit: timeLimit)
        let line = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("[") } ?? "[]"
        return line.contains("\"\(id)") || line.contains("\"short_id\":\"\(id)\"")
    }

    /// Bytes stored and snapshots of one host (`stats --mode raw-data`), as JSON.
    func stats(host: String, timeLimit: TimeInterval = 1800) throws -> ChildProgram.Result {
        try run("stats", ["stats", "--no-lock", "--json", "--mode", "raw-data", "--host", host, "--tag", Self.tag], timeLimit: timeLimit)
    }

    /// Writes a snapshot's database into `file`.
    func dump(snapshotID: String, into file: String, timeLimit: TimeInterval) throws {
        _ = try run("restore", ["dump", "--no-lock", snapshotID, "/" + DataLayout.defaultDatabaseName], output: .file(file), timeLimit: timeLimit)
    }

    /// Removes stale locks (restic leaves another host's for its first 30 minutes), or with
    /// `all` every lock; returns how many it removed (counted: restic 0.14 does not say).
    @discardableResult
    func unlock(all: Bool = false, timeLimit: TimeInterval = 120) throws -> Int {
        let before = try lockIDs(timeLimit: timeLimit)
        _ = try run("unlock", ["unlock"] + (all ? ["--remove-all"] : []), timeLimit: timeLimit)
        let after = (try? lockIDs(timeLimit: timeLimit)) ?? []
        return before.subtracting(after).count
    }

    private func lockIDs(timeLimit: TimeInterval) throws -> Set<String> {
        Set(String(decoding: try run("unlock", ["list", "locks", "--no-lock"], timeLimit: timeLimit).stdout, as: UTF8.self)
            .split(separator: "\n").map(String.init).filter { $0.count == 64 })
    }

    /// The repository's locks, each as restic wrote it (read without taking a lock).
    func locks(timeLimit: TimeInterval = 120) throws -> [RepositoryLock] {
        try lockIDs(timeLimit: timeLimit).sorted().compactMap { id in
            guard let out = try? run("unlock", ["cat", "lock", id, "--no-lock"], timeLimit: timeLimit) else { return nil }
            return Self.lock(fromJSON: out.stdout)
        }
    }
}
