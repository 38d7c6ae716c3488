import Foundation

/// Deliveries waiting to be made, on disk (`logs/notify-outbox.jsonl`, one per line) before
/// any is tried, so a dead network, a dead receiver or a restart loses none. Each line is
/// one event for one target, with its tries so far. Rewritten atomically; every process
/// that touches it does so under `notify.lock`.
struct NotificationOutbox {
    struct Item: Codable, Equatable {
        var event: NotifyEvent
        var target: NotifyTarget
        /// For a ping: the path after the URL (`/start`, ``, `/fail`).
        var pingSuffix: String?
        var queuedAt: Date
        var attempts: Int
        var nextAttemptAt: Date
        var lastError: String?
    }

    let path: String

    func read() -> [Item] {
        guard let data = FileSystem.readFile(path) else { return [] }
        return data.split(separator: 0x0A).compactMap { try? HistoryLog.decoder.decode(Item.self, from: $0) }
    }

    func write(_ items: [Item]) throws {
        var data = Data()
        for item in items {
            data.append(try HistoryLog.encoder.encode(item))
            data.append(0x0A)
        }
        try FileSystem.writeAtomically(data, to: path)
    }
}

/// What was last said for each condition, so each change of state is told once (and a
/// reminder every 24 h while it lasts). `logs/notify-state.json`.
struct NotificationMemory: Codable, Equatable {
    /// Condition (event name) -> when it was last told.
    var active: [String: Date] = [:]
    /// The last delivery, for `status --json` and the console.
    var lastDelivery: DeliveryResult?

    static func read(_ path: String) -> NotificationMemory {
        guard let data = FileSystem.readFile(path),
              let memory = try? HistoryLog.decoder.decode(NotificationMemory.self, from: data) else { return NotificationMemory() }
        return memory
    }

    func write(_ path: String) throws {
        try FileSystem.writeAtomically(try HistoryLog.encoder.encode(self), to: path)
    }
}

/// How one delivery went.
public struct DeliveryResult: Codable, Equatable, Sendable {
    public var target: String
    public var ok: Bool
    public var detail: String
    public var at: Date
    public var milliseconds: Int
}
