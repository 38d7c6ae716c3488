import BackupEngine
import Foundation
import XCTest
@testable import Console

/// The console's state changes only through its reducer steps. Outside the Console module
/// the compiler holds everyone to that (the fields' setters are internal); the tests see
/// internals, so this holds them to it: a test that wrote a field would show a screen the
/// console can never reach.
final class ConsoleStateWritesTests: XCTestCase {
    func testNoConsoleTestWritesAStateFieldDirectly() throws {
        let state = ConsoleState(capabilities: TerminalCapabilities(unicode: true, colour: true))
        let fields = Mirror(reflecting: state).children.compactMap(\.label)
        XCTAssertTrue(fields.contains("dialog") && fields.contains("health") && fields.count > 30, "\(fields)")
        // `x.field = …`, `x.field?.sub = …`, `x.field += …`, `x.field.append(…)` on a value
        // the test holds as a console state.
        let write = try NSRegularExpression(pattern: "(\\$0|\\b\\w+)\\.(" + fields.joined(separator: "|")
            + ")\\??(\\.\\w+\\??)*\\s*(=(?!=)|\\+=|-=|\\.append\\(|\\.remove|\\.toggle\\(\\))")
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        var found: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() where name.hasSuffix(".swift") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            // The values held as console states in this file: `var state = f.state()`,
            // `var readOnly = state`, and any `: ConsoleState`.
            let holders = try NSRegularExpression(pattern: "var (\\w+)(: ConsoleState| = (f\\.state|ConsoleFixture\\.state|ConsoleState\\(|state\\b))")
            var names = Set(holders.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            })
            // A closure handed an `inout ConsoleState` writes through `$0`.
            if text.contains("inout ConsoleState") { names.insert("$0") }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                for match in write.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
                    guard let holder = Range(match.range(at: 1), in: line).map({ String(line[$0]) }), names.contains(holder) else { continue }
                    found.append("\(name):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        XCTAssertEqual(found, [], "set these up through a reducer step (apply, refreshed, schedulerUpdated, operationFinished…)")
    }
}
