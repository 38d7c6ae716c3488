import Foundation

/// `KEY=VALUE` lines, as an environment file holds a remote store's keys (`--env-file`):
/// blank lines and `#` comments skipped, `export ` allowed, one pair of quotes taken off.
/// A bad line is named by its number only: a mistyped line may hold a secret.
enum EnvironmentFile {
    enum Problem: Error { case notKeyValue(line: Int), badName(line: Int) }

    static func parse(_ text: String) throws(Problem) -> [(String, String)] {
        var out: [(String, String)] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else { throw .notKeyValue(line: n + 1) }
            let key = String(line[..<eq])
            guard key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { throw .badName(line: n + 1) }
            var value = String(line[line.index(after: eq)...])
            if value.count >= 2, let f = value.first, f == value.last, f == "\"" || f == "'" { value = String(value.dropFirst().dropLast()) }
            out.append((key, value))
        }
        return out
    }

    /// The problem in the words of a refusal: `line 3 of s3.env is not KEY=VALUE`.
    static func words(_ problem: Problem, source: String) -> String {
        switch problem {
        case .notKeyValue(let line): return "line \(line) of \(FileSystem.fileName(of: source)) is not KEY=VALUE"
        case .badName(let line): return "line \(line) of \(FileSystem.fileName(of: source)) has a bad name before '='"
        }
    }
}
