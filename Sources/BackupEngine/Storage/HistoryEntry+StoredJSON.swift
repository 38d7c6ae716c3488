import Foundation

/// History lines read by hand: 10,000 of them stand between a console and its first full
/// frame, and `Decodable` machinery cost most of the read even on a parsed tree.
extension HistoryEntry {
    /// Every key a history line may hold. A test checks it against the type's stored
    /// properties, so a field added to `HistoryEntry` cannot be dropped here unnoticed.
    static let storedKeys: Set<String> = [
        "startedAt", "operation", "trigger", "outcome", "durationSeconds", "backupName", "kind", "sizeBytes",
        "message", "detail", "savedCopy", "pid", "version",
    ]

    /// One history line, or nil when it is anything but a plain entry in our own form (then
    /// `JSONDecoder` decides, which also makes its errors the only ones). Read member by
    /// member straight into the fields.
    static func fromStoredLine(_ line: UnsafeBufferPointer<UInt8>) -> HistoryEntry? {
        var p = JSONTreeParser(bytes: line)
        var fields = Fields()
        p.skipSpace()
        guard p.peek == UInt8(ascii: "{") else { return nil }
        p.i += 1
        p.skipSpace()
        if p.peek == UInt8(ascii: "}") {
            p.i += 1
        } else {
            var seen = Set<String>()
            while true {
                p.skipSpace()
                guard p.peek == UInt8(ascii: "\""), let key = p.string() else { return nil }
                p.skipSpace()
                guard p.peek == UInt8(ascii: ":") else { return nil }
                p.i += 1
                // A repeated key: let `JSONDecoder` decide what it means.
                guard let value = p.value(depth: 1), seen.insert(key).inserted, fields.take(key, value) else { return nil }
                p.skipSpace()
                if p.peek == UInt8(ascii: ",") { p.i += 1; continue }
                guard p.peek == UInt8(ascii: "}") else { return nil }
                p.i += 1
                break
            }
        }
        p.skipSpace()
        guard p.atEnd else { return nil }
        return fields.entry()
    }

    /// The members of one line as they are read.
    private struct Fields {
        var startedAt: Date?
        var operation: Operation?
        var trigger: Trigger?
        var outcome: Outcome?
        var durationSeconds: Double?
        var pid: Int32?
        var backupName: String?
        var kind: BackupKind?
        var sizeBytes: Int64?
        var message: String?
        var detail: String?
        var savedCopy: String?
        var version: String?

        /// False when the value has the wrong type for its key. Unknown keys are skipped,
        /// as `Decodable` skips them; null is an absent optional, as there.
        mutating func take(_ key: String, _ value: JSONTree) -> Bool {
            switch key {
            case "startedAt":
                guard case .string(let s) = value, let d = PreciseDate.parse(s) else { return false }
                startedAt = d
            case "operation":
                guard case .string(let s) = value, let v = Operation(rawValue: s) else { return false }
                operation = v
            case "trigger":
                guard case .string(let s) = value, let v = Trigger(rawValue: s) else { return false }
                trigger = v
            case "outcome":
                guard case .string(let s) = value, let v = Outcome(rawValue: s) else { return false }
                outcome = v
            case "durationSeconds":
                guard case .number(let n) = value, let v = JSONTree.double(n) else { return false }
                durationSeconds = v
            case "pid":
                guard case .number(let n) = value, let v = Int32(n) else { return false }
                pid = v
            case "sizeBytes":
                if case .null = value { return true }
                guard case .number(let n) = value, let v = Int64(n) else { return false }
                sizeBytes = v
            case "kind":
                if case .null = value { return true }
                guard case .string(let s) = value, let v = BackupKind(rawValue: s) else { return false }
                kind = v
            case "backupName": return Self.optional(value, into: &backupName)
            case "message": return Self.optional(value, into: &message)
            case "detail": return Self.optional(value, into: &detail)
            case "savedCopy": return Self.optional(value, into: &savedCopy)
            case "version": return Self.optional(value, into: &version)
            default: break
            }
            return true
        }

        private static func optional(_ value: JSONTree, into field: inout String?) -> Bool {
            switch value {
            case .null: return true
            case .string(let s): field = s; return true
            default: return false
            }
        }

        /// The entry, or nil when a required member is missing.
        func entry() -> HistoryEntry? {
            guard let startedAt, let operation, let trigger, let outcome, let durationSeconds, let pid else { return nil }
            var entry = HistoryEntry(startedAt: startedAt, operation: operation, trigger: trigger, outcome: outcome,
                                     durationSeconds: durationSeconds, backupName: backupName, kind: kind,
                                     sizeBytes: sizeBytes, pid: pid, version: version)
            // As stored, like `Decodable` would: the one-line rule was applied when written.
            entry.message = message
            entry.detail = detail
            entry.savedCopy = savedCopy
            return entry
        }
    }
}
