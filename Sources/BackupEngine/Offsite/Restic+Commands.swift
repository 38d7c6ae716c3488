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

    /// `forget` of this host's snapshots down to the kept counts, pruning unless a dry run:
    /// scheduled and manual backups by day, week and month; pre-update backups on their own
    /// count (`preUpdate`), so a day's rules never take the copies made before an update.
    func forget(host: String?, daily: Int, weekly: Int, monthly: Int, preUpdate: Int, dryRun: Bool,
                timeLimit: TimeInterval) throws -> [ChildProgram.Result] {
        let end = dryRun ? ["--dry-run"] : ["--prune"]
        // No host: every terminal's at once, each kept by its own counts (the admin's prune).
        let hosts = host.map { ["--host", $0] } ?? ["--group-by", "host"]
        // restic's `--tag a,b` is both tags; several `--tag`s are either.
        let regular = try run("prune", ["forget", "--json"] + hosts
                              + BackupKind.allCases.filter { $0.isBackup && $0 != .preUpdate }.flatMap { ["--tag", "\(Self.tag),kind:\($0.rawValue)"] }
                              + ["--keep-daily", String(daily), "--keep-weekly", String(weekly), "--keep-monthly", String(monthly)] + end,
                              timeLimit: timeLimit)
        let beforeUpdate = preUpdate > 0
            ? try run("prune", ["forget", "--json"] + hosts + ["--tag", "\(Self.tag),kind:\(BackupKind.preUpdate.rawValue)",
                                "--keep-last", String(preUpdate)] + end, timeLimit: timeLimit)
            : try run("prune", ["forget", "--json"] + hosts + ["--tag", "\(Self.tag),kind:\(BackupKind.preUpdate.rawValue)",
                                "--keep-tag", "none-kept"] + end, timeLimit: timeLimit)
        return [regular, beforeUpdate]
    }

    /// `check --read-data-subset` (`5%`), or `--read-data` for all of it (`100%`).
    func check(subset: String, timeLimit: TimeInterval) throws -> ChildProgram.Result {
        try run("check", ["check"] + (Self.isWholeSubset(subset) ? ["--read-data"] : ["--read-data-subset", subset]), timeLimit: timeLimit)
    }

    /// Our snapshots as JSON, of one host or (nil) every host.
    func snapshots(host: String?, timeLimit: TimeInterval = 600) throws -> ChildProgram.Result {
        // Reading takes no lock: a dead till's lock must never keep a recovery from listing.
        try run("list", ["snapshots", "--no-lock", "--json", "--tag", Self.tag] + (host.map { ["--host", $0] } ?? []), timeLimit: timeLimit)
    }

    /// Bytes stored and snapshots of one host (`stats --mode raw-data`), as JSON.
    func stats(host: String, timeLimit: TimeInterval = 1800) throws -> ChildProgram.Result {
        try run("stats", ["stats", "--no-lock", "--json", "--mode", "raw-data", "--host", host, "--tag", Self.tag], timeLimit: timeLimit)
    }

    /// Writes a snapshot's database (or `name`, a report's file) into `file`.
    func dump(snapshotID: String, into file: String, name: String = DataLayout.defaultDatabaseName, timeLimit: TimeInterval) throws {
        _ = try run("restore", ["dump", "--no-lock", snapshotID, "/" + name], output: .file(file), timeLimit: timeLimit)
    }

    /// `backup --stdin` of a report's JSON file, tagged as a report (never `mr5-backup`:
    /// retention, lists and drills never take it for a backup).
    func backupReport(file: String, host: String, tags: [String], timeLimit: TimeInterval = 300) throws -> ChildProgram.Result {
        try run("report", ["backup", "--json", "--stdin", "--stdin-filename", RepositoryReport.fileName, "--host", host]
                + tags.flatMap { ["--tag", $0] }, input: .file(file), timeLimit: timeLimit)
    }

    /// Every terminal's backups and reports: the fleet, from the list alone, and what a
    /// till reads at each contact. restic prints the list as one JSON line: it is decoded
    /// where it lies in restic's output (no copies of a listing of 5,000 snapshots).
    func fleetList(timeLimit: TimeInterval = 600) throws -> [ResticSnapshot] {
        let out = try run("list", ["snapshots", "--no-lock", "--json", "--tag", Self.tag, "--tag", RepositoryReport.tag],
                          timeLimit: timeLimit).stdout
        let start = out.firstIndex(of: UInt8(ascii: "[")) ?? out.endIndex
        let end = out[start...].firstIndex(of: UInt8(ascii: "\n")) ?? out.endIndex
        do { return try JSONDecoder().decode([ResticSnapshot].self, from: start == end ? Data("[]".utf8) : out[start..<end]) } catch {
            throw BackupError.offsiteFailed(action: "list", reason: "restic's snapshot list could not be read",
                                            detail: String(decoding: out.prefix(2000), as: UTF8.self))
        }
    }

    /// Every terminal's reports (health, damage, repaired) as JSON.
    func reports(timeLimit: TimeInterval = 300) throws -> ChildProgram.Result {
        try run("list", ["snapshots", "--no-lock", "--json", "--tag", RepositoryReport.tag], timeLimit: timeLimit)
    }

    /// Forgets `host`'s health reports but the newest (without pruning: the daily prune frees
    /// them); no host: every terminal's.
    func forgetOldReports(host: String?, timeLimit: TimeInterval = 300) throws {
        _ = try run("report", ["forget"] + (host.map { ["--host", $0] } ?? ["--group-by", "host"]) + ["--tag", "\(RepositoryReport.tag),report:\(RepositoryReport.Kind.health.rawValue)",
                               "--keep-last", "1"], timeLimit: timeLimit)
    }

    /// Forgets the snapshots `ids` (any terminal's), without pruning.
    func forget(ids: [String], timeLimit: TimeInterval = 600) throws {
        guard !ids.isEmpty else { return }
        _ = try run("repair", ["forget"] + ids, timeLimit: timeLimit)
    }

    /// `prune --max-unused 0`: frees the data no snapshot uses any more and repacks every
    /// pack that holds any such data, so a damaged pack whose damaged blob nobody uses is
    /// rewritten from its good blobs and removed.
    func pruneRepackingAll(timeLimit: TimeInterval) throws {
        _ = try run("repair", ["prune", "--max-unused", "0"], timeLimit: timeLimit)
    }

    /// Reads every file of a snapshot (as a tar of its root, whatever it holds) into `file`:
    /// whether the snapshot can still be restored.
    func dumpAll(snapshotID: String, into file: String, timeLimit: TimeInterval) throws {
        _ = try run("repair", ["dump", "--no-lock", snapshotID, "/"], output: .file(file), timeLimit: timeLimit)
    }

    /// `rebuild-index`: restic 0.14's one repair command (a lost or damaged index, a pack gone).
    func rebuildIndex(timeLimit: TimeInterval) throws {
        _ = try run("repair", ["rebuild-index"], timeLimit: timeLimit)
    }

    /// The snapshots (full ids) that use any blob of the packs `packs`.
    func snapshotsUsing(packs: [String], timeLimit: TimeInterval = 1800) throws -> Set<String> {
        guard !packs.isEmpty else { return [] }
        let out = try run("repair", ["find", "--no-lock", "--json", "--pack"] + packs, timeLimit: timeLimit)
        struct Found: Decodable { var snapshot: String? }
        var ids = Set<String>()
        for line in String(decoding: out.stdout, as: UTF8.self).split(separator: "\n") where line.hasPrefix("[") {
            for found in (try? JSONDecoder().decode([Found].self, from: Data(line.utf8))) ?? [] {
                if let id = found.snapshot { ids.insert(id) }
            }
        }
        return ids
    }

    /// The tree blobs the index places in the packs `packs` (`find --pack` finds data blobs
    /// only): a damaged tree pack breaks the snapshots whose root tree is in it.
    func treeBlobs(inPacks packs: Set<String>, timeLimit: TimeInterval = 1800) throws -> Set<String> {
        guard !packs.isEmpty else { return [] }
        struct Index: Decodable {
            struct Pack: Decodable { var id: String; var blobs: [Blob]? }
            struct Blob: Decodable { var id: String; var type: String }
            var packs: [Pack]?
        }
        let indexes = String(decoding: try run("repair", ["list", "index", "--no-lock"], timeLimit: timeLimit).stdout, as: UTF8.self)
            .split(separator: "\n").map(String.init).filter { $0.count == 64 }
        var trees = Set<String>()
        for id in indexes {
            let out = try run("repair", ["cat", "index", id, "--no-lock"], timeLimit: timeLimit)
            guard let index = try? JSONDecoder().decode(Index.self, from: out.stdout) else { continue }
            for pack in index.packs ?? [] where packs.contains(pack.id) {
                for blob in pack.blobs ?? [] where blob.type == "tree" { trees.insert(blob.id) }
            }
        }
        return trees
    }

    /// Every snapshot in the repository, ours or not, with its root tree (ours hold one
    /// file, so a damaged tree `check` names is a snapshot's own).
    func allSnapshots(timeLimit: TimeInterval = 600) throws -> [ResticSnapshot] {
        let out = try run("repair", ["snapshots", "--no-lock", "--json"], timeLimit: timeLimit)
        let line = String(decoding: out.stdout, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("[") } ?? "[]"
        return (try? JSONDecoder().decode([ResticSnapshot].self, from: Data(line.utf8))) ?? []
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
