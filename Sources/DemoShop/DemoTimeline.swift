import BackupEngine
import Foundation

/// The played history, relative to the demo's end: eleven days of a shop's backups, so
/// that retention's daily and weekly layers show; a retry after a locked database; and one
/// restore (of the newest backup, a day and a bit ago) whose saved copy is there to undo.
struct DemoTimeline {
    enum Action {
        case backup(BackupKind, Trigger, appVersion: String?)
        case lockedFailure(seconds: Int)
        /// Restores the newest backup, as a technician did.
        case restoreNewest
    }
    struct Step {
        var at: Date
        var action: Action
    }

    let end: Date
    var historyStart: Date { end.addingTimeInterval(-264 * 3600) }
    var legacyDate: Date { end.addingTimeInterval(-12 * 86400 - 2 * 3600) }

    var steps: [Step] {
        func at(_ hours: Double, _ action: Action) -> Step { Step(at: end.addingTimeInterval(-hours * 3600), action: action) }
        // A scheduled backup a day for the ten days before yesterday (retention keeps one a
        // day for a week and one a week before that), then a busy last day.
        let older: [Step] = (2...10).reversed().map { day in
            at(Double(day * 24 - 2), .backup(.scheduled, .scheduler, appVersion: nil))
        }
        let first: [Step] = [at(250, .backup(.preUpdate, .preUpdate, appVersion: "2.3.0"))]
        let recent: [Step] = [
            at(50, .backup(.preUpdate, .preUpdate, appVersion: "2.4.0")),
            at(31, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(29.5, .restoreNewest),
            at(13, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(10, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(8.75, .backup(.manual, .console, appVersion: nil)),
            at(7, .lockedFailure(seconds: 30)),
            at(7 - 5.0 / 60, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(4, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(2 + 1.0 / 3, .backup(.manual, .cli, appVersion: nil)),
            at(1, .backup(.scheduled, .scheduler, appVersion: nil)),
        ]
        return first + older + recent
    }
}
