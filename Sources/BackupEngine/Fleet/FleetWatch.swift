import Foundation

/// Which terminals were dark when the fleet was last read, so `terminal_dark` and
/// `terminal_recovered` are each told once per change (`fleet_watch`, or `fleet --watch`
/// from cron). Kept as JSON in the till's off-site folder or the admin's `--state` folder.
/// One writer at a time: the caller holds the off-site lock (till) or is the one `fleet`
/// run (admin).
public struct FleetWatch: Codable, Sendable, Equatable {
    /// Terminal id → since when it has been dark.
    public var dark: [String: Date] = [:]

    public init() {}

    public static func read(_ path: String) -> FleetWatch {
        FileSystem.readFile(path).flatMap { try? HistoryLog.decoder.decode(FleetWatch.self, from: $0) } ?? FleetWatch()
    }

    public func write(_ path: String) throws {
        try FileSystem.writeAtomically(try MetadataStore.encoder.encode(self), to: path)
    }

    /// The rows newly dark and newly heard again since the memory, and the memory after.
    public func changes(_ fleet: Fleet) -> (dark: [FleetRow], recovered: [(terminal: String, row: FleetRow?)], memory: FleetWatch) {
        var next = FleetWatch()
        var newlyDark: [FleetRow] = []
        var recovered: [(String, FleetRow?)] = []
        for row in fleet.rows {
            if let since = row.darkSince {
                next.dark[row.terminal] = dark[row.terminal] ?? since
                if dark[row.terminal] == nil { newlyDark.append(row) }
            } else if dark[row.terminal] != nil {
                recovered.append((row.terminal, row))
            }
        }
        // A dark till whose snapshots were all forgotten is not "recovered": it stays dark.
        for (terminal, since) in dark where !fleet.rows.contains(where: { $0.terminal == terminal }) {
            next.dark[terminal] = since
        }
        return (newlyDark, recovered, next)
    }

    /// The notifications for the changes (`terminal` of each event is the till it is about).
    /// More tills than this going dark at once are told in one event (a network down at
    /// the head office, or a till inventing terminals), not a flood.
    static let groupedAbove = 10

    public static func events(dark: [FleetRow], recovered: [(terminal: String, row: FleetRow?)], dataDir: String, now: Date) -> [NotifyEvent] {
        let darkEvents: [NotifyEvent]
        if dark.count > groupedAbove {
            let names = dark.prefix(5).map(\.terminal).joined(separator: ", ")
            darkEvents = [NotifyEvent(event: .terminalDark, severity: dark.map(\.level).max() ?? .warning, terminal: dark[0].terminal,
                                      dataDir: dataDir, time: now, message: "\(dark.count) terminals went dark: \(names) and \(dark.count - 5) more")]
        } else {
            darkEvents = dark.map { row in
                NotifyEvent(event: .terminalDark, severity: row.level, terminal: row.terminal, dataDir: dataDir, time: now,
                            message: "\(row.terminal) is \(plain(row.reason))")
            }
        }
        return darkEvents + recovered.map { item in
            NotifyEvent(event: .terminalRecovered, severity: item.row?.level ?? .ok, terminal: item.terminal, dataDir: dataDir, time: now,
                        message: "\(item.terminal) reports again" + (item.row.map { ": \($0.level.word), \(plain($0.reason))" } ?? ""))
        }
    }

    /// A till's own words without what chat webhooks read as markup (`<!channel>`, links).
    static func plain(_ text: String) -> String {
        String(text.unicodeScalars.filter { !"<>&".unicodeScalars.contains($0) }.map(Character.init))
    }
}

extension FleetWatch {
    /// Compares `fleet` with the memory at `path`, queues what changed through `engine`'s
    /// notification targets, and keeps the new memory. Returns how many were told.
    @discardableResult
    public static func tell(_ fleet: Fleet, memoryPath path: String, engine: BackupEngine) -> Int {
        // The daemon's watch and a cron `fleet --watch` may meet: one at a time, so a change is told once.
        guard let lock = try? FileLock(path: path + ".lock", operation: "fleet-watch", now: fleet.readAt, wait: 60) else {
            engine.logger.warning("Fleet: another watch holds \(path).lock; this read tells nothing")
            return 0
        }
        defer { lock.release() }
        let changes = read(path).changes(fleet)
        let events = events(dark: changes.dark, recovered: changes.recovered, dataDir: engine.layout.dataDir, now: fleet.readAt)
        engine.notifier.raise(events)
        // Delivered now, beside the work, not at the notifier's next round.
        if !events.isEmpty { NotificationRound.start(engine, trigger: .scheduler) }
        do { try changes.memory.write(path) } catch {
            engine.logger.error("Could not keep the fleet's alert memory in \(path): \(BackupError(error).description)")
        }
        for event in events { engine.logger.warning("Fleet: \(event.message)") }
        return events.count
    }
}
