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
    public static func events(dark: [FleetRow], recovered: [(terminal: String, row: FleetRow?)], dataDir: String, now: Date) -> [NotifyEvent] {
        dark.map { row in
            NotifyEvent(event: .terminalDark, severity: row.level, terminal: row.terminal, dataDir: dataDir, time: now,
                        message: "\(row.terminal) is \(row.reason)")
        } + recovered.map { item in
            NotifyEvent(event: .terminalRecovered, severity: item.row?.level ?? .ok, terminal: item.terminal, dataDir: dataDir, time: now,
                        message: "\(item.terminal) reports again" + (item.row.map { ": \($0.level.word), \($0.reason)" } ?? ""))
        }
    }
}

extension FleetWatch {
    /// Compares `fleet` with the memory at `path`, queues what changed through `engine`'s
    /// notification targets, and keeps the new memory. Returns how many were told.
    @discardableResult
    public static func tell(_ fleet: Fleet, memoryPath path: String, engine: BackupEngine) -> Int {
        let changes = read(path).changes(fleet)
        let events = events(dark: changes.dark, recovered: changes.recovered, dataDir: engine.layout.dataDir, now: fleet.readAt)
        engine.notifier.raise(events)
        do { try changes.memory.write(path) } catch {
            engine.logger.error("Could not keep the fleet's alert memory in \(path): \(BackupError(error).description)")
        }
        for event in events { engine.logger.warning("Fleet: \(event.message)") }
        return events.count
    }
}
