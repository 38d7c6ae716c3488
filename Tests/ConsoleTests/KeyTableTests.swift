import Foundation
import XCTest
@testable import Console

final class KeyTableTests: XCTestCase {
    /// The README's key list is generated from the table: this fails when they differ and
    /// prints the block to paste between the markers.
    func testReadmeKeyListIsTheTable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md")
        let lines = try String(contentsOf: readme, encoding: .utf8).components(separatedBy: "\n")
        let begin = try XCTUnwrap(lines.firstIndex(of: "<!-- keys:begin -->"), "README.md has no <!-- keys:begin --> marker")
        let end = try XCTUnwrap(lines.firstIndex(of: "<!-- keys:end -->"), "README.md has no <!-- keys:end --> marker")
        XCTAssertLessThan(begin, end)
        let block = lines[(begin + 1)..<end].joined(separator: "\n").trimmingCharacters(in: .newlines)
        let expected = KeyTable.markdown()
        XCTAssertEqual(block, expected, "README.md's key list differs from KeyTable; paste this between the markers:\n\n\(expected)\n")
    }

    /// A key bound twice in one context would silently do only the first row's action.
    func testNoKeyIsBoundTwiceInOneContext() {
        for context in KeyContext.allCases {
            var seen: [String] = []
            for binding in KeyTable.bindings where binding.contexts.contains(context) {
                for press in binding.presses {
                    XCTAssertFalse(seen.contains(press.key.name), "\(press.key.name) is bound twice in \(context)")
                    seen.append(press.key.name)
                }
            }
        }
    }

    /// Every key of every row does, through `KeyMap` and a real state in each context,
    /// what its row says: the context a state maps to is the one the row was written for.
    func testEveryKeyDoesWhatItsRowSaysInEachContext() {
        let states: [KeyContext: ConsoleState] = [
            .list: state(),
            .history: state { $0.view = .history },
            .offsite: state { $0.view = .offsite },
            .help: state { $0.view = .help },
            .picker: state { $0.dialog = .frequency(choices: FrequencyChoice.all, index: 0) },
            .notice: state { $0.dialog = .error(title: "t", message: "m") },
            .confirm: state { $0.dialog = .delete(name: "x", focus: .cancel, lastGood: false) },
            .reader: state { $0.dialog = .text(title: "t", lines: ["a", "b"], scroll: 0) },
        ]
        var checked = 0
        for binding in KeyTable.bindings {
            for context in binding.contexts {
                guard let state = states[context] else { return XCTFail("no state for \(context)") }
                XCTAssertEqual(KeyContext(state), context)
                for press in binding.presses {
                    guard case .fixed(let action) = press.action else { continue }
                    XCTAssertEqual(KeyMap.action(for: press.key, in: state), action, "\(press.key.name) in \(context)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 50)
    }

    func testARefusedRestoreTakesTheKeysOfABoxWithOneButton() {
        let refused = state { $0.dialog = .restore(name: "x", focus: .cancel, refusal: "corrupt") }
        XCTAssertEqual(KeyContext(refused), .notice)
        XCTAssertEqual(KeyMap.action(for: .enter, in: refused), .cancel)
        XCTAssertEqual(KeyMap.action(for: .tab, in: refused), ConsoleAction.none)
    }

    func testLabelsAndHintsAreWrittenFromTheKeys() throws {
        let move = try XCTUnwrap(KeyTable.binding(for: .move(1), in: .list))
        XCTAssertEqual(move.label, "Up/Down, j/k")
        XCTAssertEqual(move.markdownLabel, "Up/Down, `j`/`k`")
        XCTAssertEqual(move.footerKeys, "j/k")
        XCTAssertEqual(KeyTable.keys(for: .cancel, in: .confirm), "n/Esc")
        XCTAssertEqual(KeyTable.binding(for: .cancel, in: .help)?.spokenKeys, "Esc, q or ?")
        XCTAssertEqual(KeyTable.binding(for: .cancel, in: .notice)?.spokenKeys, "Enter or Esc")
        XCTAssertEqual(KeyTable.footer(for: .list, compact: true).map(\.keys), ["?", "c", "r", "q"])
        XCTAssertEqual(KeyTable.footer(for: .history).map { $0.keys + " " + $0.word },
                       ["j/k move", "Enter details", "h/Esc back", "? help", "q quit"])
        XCTAssertEqual(KeyTable.footer(for: .reader).map { $0.keys + " " + $0.word }, ["j/k scroll", "Esc/q/Enter close"])
        XCTAssertEqual(KeyTable.binding(for: .cancel, in: .reader)?.spokenKeys, "Esc, q or Enter")
    }

    private func state(_ change: (inout ConsoleState) -> Void = { _ in }) -> ConsoleState {
        var s = ConsoleState(capabilities: TerminalCapabilities(unicode: true, colour: true))
        change(&s)
        return s
    }
}
