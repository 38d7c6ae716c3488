import BackupEngine
import Foundation

/// The played history, relative to the demo's end: the backups a shop on a 3-hour
/// schedule would have, with a retry after a locked database.
struct DemoTimeline {
    enum Action {
        case backup(BackupKind, Trigger, appVersion: String?)
        case lockedFailure(seconds: Int)
    }
    struct Step {
        var at: Date
        var action: Action
    }

    let end: Date
    var historyStart: Date { end.addingTimeInterval(-180 * 3600) }
    var legacyDate: Date { end.addingTimeInterval(-12 * 86400 - 2 * 3600) }

    var steps: [Step] {
        func at(_ hours: Double, _ action: Action) -> Step { Step(at: end.addingTimeInterval(-hours * 3600), action: action) }
        return [
            at(170, .backup(.preUpdate, .preUpdate, appVersion: "2.3.0")),
            at(50, .backup(.preUpdate, .preUpdate, appVersion: "2.4.0")),
            at(13, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(10, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(8.75, .backup(.manual, .console, appVersion: nil)),
            at(7, .lockedFailure(seconds: 30)),
            at(7 - 5.0 / 60, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(4, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(2 + 1.0 / 3, .backup(.manual, .cli, appVersion: nil)),
            at(1, .backup(.scheduled, .scheduler, appVersion: nil)),
        ]
    }
}
