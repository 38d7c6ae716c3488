import Foundation

/// A generated part of a Markdown file, between `<!-- mr5-bench:NAME -->` and
/// `<!-- /mr5-bench:NAME -->`, so that a case's run replaces its own numbers and leaves
/// the prose around them (and the other cases' sections) alone.
enum MarkdownSection {
    static func replace(_ name: String, in path: String, with body: String) throws {
        let begin = "<!-- mr5-bench:\(name) -->", end = "<!-- /mr5-bench:\(name) -->"
        var text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let block = begin + "\n" + body.trimmingCharacters(in: .newlines) + "\n" + end
        if let a = text.range(of: begin), let b = text.range(of: end, range: a.upperBound..<text.endIndex) {
            text.replaceSubrange(a.lowerBound..<b.upperBound, with: block)
        } else {
            text += (text.hasSuffix("\n") || text.isEmpty ? "" : "\n") + "\n" + block + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        log("wrote the \(name) section of \(path)")
    }
}
