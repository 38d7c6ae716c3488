import Foundation

/// The one-line rule: every message a person or a monitor reads is one line of at most
/// `limit` characters; the whole text goes to a `detail` field instead.
public enum OneLine {
    public static let limit = 200

    /// `text` on one line (line breaks become "; "), clipped to `limit` with an ellipsis.
    public static func make(_ text: String, limit: Int = OneLine.limit) -> String {
        let joined = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
        return clip(joined, to: limit)
    }

    /// `text` on one line, shortened from the front when it is long: for another program's
    /// message, whose cause is at its end (`…: ciphertext verification failed`).
    public static func keepingEnd(_ text: String, limit: Int = OneLine.limit) -> String {
        let joined = make(text, limit: Int.max)
        guard joined.count > limit else { return joined }
        return "…" + String(joined.suffix(max(1, limit - 1)))
    }

    /// `text` cut to `limit` characters, the cut marked with `…`.
    public static func clip(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(max(1, limit - 1))) + "…"
    }

    /// True when `text` is already one line within the limit (then no detail is needed).
    public static func fits(_ text: String) -> Bool {
        !text.contains(where: \.isNewline) && text.count <= limit
    }
}
