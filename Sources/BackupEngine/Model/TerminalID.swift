import Foundation

/// A terminal's name in a shared repository (its restic host, its fleet row): what
/// `terminal-id` may hold and what a report read back from a repository must name.
public enum TerminalID {
    /// Letters, digits, `-`, `_` and `.`, 1 to 64 of them: nothing a terminal, a tag or a
    /// file name could take for something else.
    public static func isValid(_ text: String) -> Bool {
        (1...64).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
