import BackupEngine
import Foundation
import XCTest
@testable import Console

/// Why each backup is kept (the engine's retention rules), on screen and before a prune.
final class RetentionReasonsTests: XCTestCase {
    func testTheDetailsSayWhichRulesKeepTheSelectedBackup() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 80, height: 24)
        let decisions = f.engine.retentionPolicy().decide(f.engine.listBackups())
        let newest = try XCTUnwrap(decisions.first)
        XCTAssertTrue(newest.reasons.contains(.last))
        var grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("Kept      " + newest.reasons.map(\.rawValue).joined(separator: ", ")), grid.text)
        // Wider: the rules themselves too.
        grid = ScreenRenderer.render(f.state(width: 160, height: 40), width: 160, height: 40)
        XCTAssertTrue(grid.contains("(rules: 5 newest, 1 a day for 7 days, 1 a week for 4 weeks)"), grid.text)

        // A backup no rule keeps says that the next prune removes it.
        state.refreshed { $0.retention = RetentionPolicy(keepRegular: 2, keepPreUpdate: 1) }
        let doomed = try XCTUnwrap(state.retention.toDelete(from: state.backups).first)
        state.select(index: try XCTUnwrap(state.backups.firstIndex { $0.name == doomed.name }))
        grid = ScreenRenderer.render(state, width: 80, height: 24)
        XCTAssertTrue(grid.contains("Kept      no: no retention rule keeps it; the next prune (p) removes it"), grid.text)
    }

    func testPruneShowsWhatGoesAndWhyEachOfTheOthersStays() throws {
        let f = try ConsoleFixture()
        var state = f.state(width: 120, height: 50)
        let policy = RetentionPolicy(keepRegular: 2, keepPreUpdate: 1)
        state.refreshed { $0.retention = policy }
        _ = state.apply(.prune)
        let decisions = policy.decide(f.engine.listBackups())
        XCTAssertEqual(state.dialog, .prune(names: decisions.filter { !$0.keep }.map(\.entry.name), focus: .cancel))
        let grid = ScreenRenderer.render(state, width: 120, height: 50)
        XCTAssertTrue(grid.contains("Retention keeps 2 newest; 1 pre-update, and always the newest"), grid.text)
        XCTAssertTrue(grid.contains("\(decisions.filter(\.keep).count) kept, and why:"), grid.text)
        for kept in decisions.filter(\.keep) {
            let row = try XCTUnwrap(grid.rows(containing: kept.entry.name).first, kept.entry.name + "\n" + grid.text)
            // Reasons that do not fit beside the name go on the row below.
            let reasons = grid.line(row) + grid.line(row + 1)
            for reason in kept.reasons { XCTAssertTrue(reasons.contains(reason.rawValue), reason.rawValue + "\n" + grid.text) }
        }

        // With the engine's own rules the demo has nothing to prune: one line says so and why.
        var standard = f.state()
        XCTAssertEqual(standard.apply(.prune), [])
        XCTAssertNil(standard.dialog)
        XCTAssertEqual(standard.flash, "Nothing to prune: retention keeps all \(standard.backups.count) (5 newest, 1 a day for 7 days, 1 a week for 4 weeks; 5 pre-update).")
    }

    func testThePruneMessageNamesEachRemovalAndTheRulesAsTheHistoryDoes() throws {
        let f = try ConsoleFixture()
        let policy = RetentionPolicy(keepRegular: 2, keepPreUpdate: 1)
        let result = try f.engine.prune(policy: policy, trigger: .console)
        XCTAssertFalse(result.deleted.isEmpty)
        let entry = try XCTUnwrap(f.engine.history(limit: 1).first)
        let recorded = try XCTUnwrap(entry.detail ?? entry.message, "the whole text")
        let message = OperationOutcome.message(ofPrune: result, policy: policy)
        XCTAssertTrue(message.hasPrefix("Pruned: removed " + result.deleted[0].name), message)
        XCTAssertEqual(message, "Pruned: " + recorded)
        let again = try f.engine.prune(policy: policy, trigger: .console)
        XCTAssertEqual(OperationOutcome.message(ofPrune: again, policy: policy), "Nothing to prune (kept: 2 newest)")
    }
}
