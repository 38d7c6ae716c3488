import Foundation

/// Which column of a table says when a row was made, for the restore preview's "newest"
/// dates: a well-known name first, then a declared date or time type, then a `*_at` name.
public enum DateColumn {
    /// Names that say "when" outright, best first.
    public static let preferredNames = ["created_at", "created", "date", "timestamp", "updated_at"]

    /// The column to read, or nil when the table has none.
    public static func pick(_ columns: [(name: String, type: String)]) -> String? {
        let lowered = columns.map { (name: $0.name, lower: $0.name.lowercased(), type: $0.type.uppercased()) }
        for wanted in preferredNames {
            if let hit = lowered.first(where: { $0.lower == wanted }) { return hit.name }
        }
        if let typed = lowered.first(where: { $0.type.contains("DATE") || $0.type.contains("TIME") }) { return typed.name }
        return lowered.first(where: { $0.lower.hasSuffix("_at") || $0.lower.hasSuffix("_date") })?.name
    }
}
