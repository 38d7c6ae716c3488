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
    func testEveryKeyDoesWhatItsRowSaysInEachContext() throws {
        // Each context reached the way a person reaches it, by the reducer's steps.
        let f = try ConsoleFixture()
        try FleetConsoleTests.setUpOffsite(f)
        let states: [KeyContext: ConsoleState] = [
            .list: f.state(),
            .history: state(f) { _ = $0.apply(.toggleHistory) },
            .offsite: state(f) { _ = $0.apply(.toggleOffsite) },
            .help: state(f) { _ = $0.apply(.help) },
            .picker: state(f) { _ = $0.apply(.frequency) },
            .notice: state(f) { _ = $0.apply(.create); _ = $0.operationFinished(.failure(title: "t", message: "m")) },
            .confirm: state(f) { $0.select(index: 1); _ = $0.apply(.delete) },
            .reader: state(f) { _ = $0.apply(.toggleHistory); _ = $0.apply(.activate) },
            .moment: state(f) { MomentPickerTests.withContinuous(&$0, f); _ = $0.apply(.openMoment) },
            .fleet: state(f) { _ = $0.apply(.toggleFleet) },
            .fleetFilter: state(f) { _ = $0.apply(.toggleFleet); _ = $0.apply(.startFilter) },
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

    func testARefusedRestoreTakesTheKeysOfABoxWithOneButton() throws {
        let f = try ConsoleFixture()
        // The legacy .sql file: `r` on it opens the restore dialog with the refusal.
        let refused = state(f) { s in
            s.select(name: try! XCTUnwrap(s.backups.first { $0.kind == .legacySQL }).name)
            _ = s.apply(.restore)
        }
        guard case .restore(_, _, _?)? = refused.dialog else { return XCTFail("\(String(describing: refused.dialog))") }
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

    /// The fixture's first screen, then `steps`: reducer steps only, never a field written.
    private func state(_ f: ConsoleFixture, _ steps: (inout ConsoleState) -> Void) -> ConsoleState {
        var s = f.state()
        steps(&s)
        return s
    }
}
