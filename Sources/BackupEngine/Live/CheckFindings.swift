import Foundation

/// What an SQLite check (`quick_check`, `integrity_check`) found, kept whole for the
/// details and said in one line for everyone else: `quick_check found 20 problems
/// (first: Page 4043: btreeInitPage() returns error code 11)`.
public struct CheckFindings: Codable, Equatable, Sendable {
    /// `quick_check` or `integrity_check`.
    public var check: String
    /// Every line the check returned, its `*** in database main ***` header left out.
    public var problems: [String]

    public init(check: String, lines: [String]) {
        self.check = check
        // SQLite may return several problems in one row, one per line.
        problems = lines.flatMap { $0.split(whereSeparator: \.isNewline).map(String.init) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("*** in database") }
        if problems.isEmpty { problems = lines.isEmpty ? ["no result"] : lines }
    }

    public var first: String { problems.first ?? "" }

    /// One line, at most about 200 characters.
    public var summary: String {
        let firstLine = OneLine.clip(first, to: 120)
        if problems.count == 1 { return "\(check) found 1 problem: \(firstLine)" }
        return "\(check) found \(problems.count) problems (first: \(firstLine))"
    }

    /// Every problem, one per line, for `--verbose`, JSON `detail` and the console's box.
    public var detail: String { problems.joined(separator: "\n") }
}
