/// Every key of the console, once. `KeyMap` looks keys up here; the help overlay, the
/// footer, the dialog hints and the README's key list (checked by a test) are all
/// rendered from these rows, so none of them can name a key the console does not answer to.
///
/// Row order is the order of the help, the README and each footer.
public enum KeyTable {
    public static let bindings: [KeyBinding] = [
        // Moving: the list, the history, the off-site and fleet views, the frequency picker and the text box.
        KeyBinding([.list, .history, .offsite, .fleet, .picker, .reader],
                   [[KeyPress(.up, .move(-1)), KeyPress(.down, .move(1))],
                    [KeyPress(.char("j"), .move(1)), KeyPress(.char("k"), .move(-1))]],
                   help: "move; PgUp/PgDn a page (Up at the top: the health banner)",
                   readme: "move the selection (PgUp/PgDn: a page); Up from the first backup selects the health banner (when there is one); scroll a text box",
                   footer: [.history: "move", .offsite: "move", .fleet: "move", .picker: "move", .reader: "scroll"], footerGroup: 1),
        KeyBinding([.list, .history, .offsite, .fleet, .picker, .reader],
                   [[KeyPress(.home, .first), KeyPress(.end, .last)],
                    [KeyPress(.char("g"), .first), KeyPress(.char("G"), .last)]],
                   help: "first / last backup (or attempt, snapshot, or line)"),
        KeyBinding([.list, .history, .offsite, .fleet, .reader], [[KeyPress(.pageUp, .page(-1)), KeyPress(.pageDown, .page(1))]],
                   help: nil),

        // The list's operations.
        KeyBinding([.list], keys: [[.char("c")]], does: .create,
                   help: "create a backup now", readme: "create a backup now (manual; verified before it appears)",
                   footer: [.list: "new"], compactRank: 1),
        KeyBinding([.list, .offsite, .fleet], keys: [[.char("r")]], does: .restore,
                   help: "restore the selected backup (asks; Cancel is default)",
                   readme: "restore the selected backup or saved copy: a dialog names it, says when it was made, its size and check, what will happen, and what it changes (the tables whose row counts change most, what leaves the live database) as the numbers arrive; **Cancel is the default**. In the off-site view, the selected snapshot is first fetched and checked like a local backup, then the same dialog opens on it",
                   footer: [.list: "restore", .offsite: "restore", .fleet: "restore"], compactRank: 2),
        KeyBinding([.list], keys: [[.char("u")]], does: .undo,
                   help: "undo the last restore (opens the restore dialog)",
                   readme: "undo the last restore: the restore dialog opens on the copy it saved, with what that changes; one line says \"nothing to undo\" when there is none"),
        KeyBinding([.list], keys: [[.char("d")]], does: .delete,
                   help: "delete the selected backup (asks)",
                   readme: "delete the selected backup (asks; warns when it is the newest verified one, \"the last good one\")",
                   footer: [.list: "delete"]),
        KeyBinding([.list], keys: [[.char("v")]], does: .verify,
                   help: "verify the selected backup (full integrity check)",
                   readme: "verify the selected backup: SHA-256 against the recorded one plus a full `integrity_check`",
                   footer: [.list: "verify"]),
        KeyBinding([.list], keys: [[.char("p")]], does: .prune,
                   help: "prune: what would go, why the rest stays; then confirm",
                   readme: "prune: shows which backups retention would remove and the rules that keep each of the others, then asks",
                   footer: [.list: "prune"]),
        KeyBinding([.list], keys: [[.char("f")]], does: .frequency,
                   help: "change the backup frequency",
                   readme: "change the backup frequency (" + FrequencyChoice.all.joined(separator: ", ")
                       + "); saved to the settings and picked up by the scheduler at once",
                   footer: [.list: "freq"]),
        KeyBinding([.list], keys: [[.char("t")]], does: .openMoment,
                   help: "restore to a moment of the continuous replica",
                   readme: "restore to a moment of the continuous replica (when continuous protection is set up; the Continuous line shows the window): a picker opens ten minutes back; type a time (`14:02`, `2026-12-04 14:02:30`, `10 minutes ago`) or step with Up/Down (a minute) and PgUp/PgDn (an hour), Backspace erasing; Enter fetches the moment, checks it like a backup and opens the restore dialog on it, **Cancel the default**"),
        KeyBinding([.list], keys: [[.char("n")]], does: .testAlerts,
                   help: "send a test alert to every notification target",
                   readme: "send a test notification to every target now and show how each delivery went, one line each; the alerts line shows how the newest delivery to each kind of target went"),
        KeyBinding([.list], keys: [[.char("h")]], does: .toggleHistory,
                   help: "history of attempts, with failures and reasons",
                   readme: "history of every attempt, with failures and their reasons",
                   footer: [.list: "history"]),
        // One row for both off-site views (the help box has room for no more rows at 100x30).
        KeyBinding([.list], [[KeyPress(.char("o"), .toggleOffsite)], [KeyPress(.char("F"), .toggleFleet)]],
                   help: "off-site: o this terminal's snapshots, F every terminal",
                   readme: "off-site view: this terminal's snapshots in the restic repository, newest first (id, time, kind, app version, size, the local backup it came from); `r` restores one. The off-site line shows where copies go, the last push, snapshots and bytes stored; each backup in the list is marked pushed, pending, failed or forgotten (`-`: remote retention removed its snapshot). `F`: the fleet view, every terminal pushing into the same repository, worst first (verdict, last push, continuous replica, app version, size, orders, last drill, key and reason, as many columns as fit; this terminal's row marked), read by restic in the background when it opens and every 3 minutes while it is open; `/` filters by terminal id (Enter keeps the filter, Esc clears it), Enter shows a terminal's last report whole, `r` says how that terminal is restored (and how a dark one is brought back on a new machine), `F`, Esc or `q` closes it; without off-site copies set up, one line says how to set them up"),
        KeyBinding([.list, .history, .offsite, .fleet], keys: [[.enter]], does: .activate,
                   help: "on an attempt, a snapshot or the banner: the whole text",
                   readme: "on a history row, an off-site snapshot, or the health banner: a box with the whole text (the attempt's full message; the snapshot's id, terminal and tags; every health reason and the live database's state)",
                   footer: [.history: "details", .offsite: "details", .fleet: "report"]),
        KeyBinding([.history], keys: [[.char("h"), .escape]], does: .toggleHistory,
                   help: "in the history: back to the list", footer: [.history: "back"]),
        KeyBinding([.offsite], keys: [[.char("o"), .escape]], does: .toggleOffsite,
                   help: "in the off-site view: back to the list", footer: [.offsite: "back"]),
        // The fleet view's own keys (the `F` row's README line says them).
        KeyBinding([.fleet], keys: [[.char("/")]], does: .startFilter, footer: [.fleet: "filter"]),
        KeyBinding([.fleet], keys: [[.char("F"), .escape, .char("q")]], does: .toggleFleet, footer: [.fleet: "back"]),
        KeyBinding([.fleet], [], also: [KeyPress(.wheelUp, .move(-3)), KeyPress(.wheelDown, .move(3))]),
        KeyBinding([.list, .history, .offsite, .fleet], keys: [[.char("?")], [.f1]], does: .help,
                   help: "this help", readme: "help: every key",
                   footer: [.list: "help", .history: "help", .offsite: "help", .fleet: "help"], compactRank: 0),
        KeyBinding([.list, .history, .offsite], keys: [[.char("q")]], does: .quit,
                   help: "quit (asks if an operation is running)",
                   readme: "quit (asks first if an operation is still running)",
                   footer: [.list: "quit", .history: "quit", .offsite: "quit"], compactRank: 3),

        // Dialogs that change something: Cancel is focused until the user moves.
        KeyBinding([.confirm], keys: [[.char("y")]], also: [.char("Y")], does: .confirm,
                   help: "in a dialog: confirm", footer: [.confirm: "yes"]),
        KeyBinding([.confirm], keys: [[.char("n"), .escape], [.char("q")]], also: [.char("N")], does: .cancel,
                   help: "in a dialog: cancel", footer: [.confirm: "no"]),
        KeyBinding([.confirm], keys: [[.tab], [.left, .right]], also: [.backTab, .char("h"), .char("l")], does: .switchFocus,
                   help: "in a dialog: move between buttons", readme: "in a dialog: move between the buttons",
                   footer: [.confirm: "switch"]),
        KeyBinding([.confirm, .picker], keys: [[.enter]], does: .activate,
                   help: "in a dialog: press the focused button",
                   readme: "in a dialog: press the focused button (Cancel until you move to the other one)",
                   footer: [.confirm: "press focused", .picker: "save"]),

        // The moment picker and the fleet's filter: keys type their text, except these (the
        // `t` and `F` rows' README lines and the picker's hint say them).
        KeyBinding([.moment], [[KeyPress(.up, .stepMoment(60)), KeyPress(.down, .stepMoment(-60))]], footer: [.moment: "minute"]),
        KeyBinding([.moment], [[KeyPress(.pageUp, .stepMoment(3600)), KeyPress(.pageDown, .stepMoment(-3600))]], footer: [.moment: "hour"]),
        KeyBinding([.moment, .fleetFilter], keys: [[.backspace]], does: .erase, footer: [.moment: "erase", .fleetFilter: "erase"]),
        KeyBinding([.moment, .fleetFilter], keys: [[.enter]], does: .activate, footer: [.moment: "fetch", .fleetFilter: "keep"]),
        KeyBinding([.moment, .fleetFilter], keys: [[.escape]], does: .cancel, footer: [.moment: "cancel", .fleetFilter: "clear"]),

        // The frequency picker, the one-button boxes, the text box and the help overlay.
        KeyBinding([.picker], keys: [[.escape]], also: [.char("q"), .char("n")], does: .cancel,
                   footer: [.picker: "cancel"]),
        KeyBinding([.picker, .reader], [], also: [KeyPress(.wheelUp, .move(-1)), KeyPress(.wheelDown, .move(1))]),
        KeyBinding([.notice], keys: [[.enter, .escape]], also: [.char("q"), .char(" "), .char("y"), .char("n")],
                   does: .cancel, footer: [.notice: "close"]),
        KeyBinding([.reader], keys: [[.escape, .char("q"), .enter]], does: .cancel,
                   help: "in a text box: close", footer: [.reader: "close"]),
        KeyBinding([.help], keys: [[.escape], [.char("q")], [.char("?")]],
                   also: [.enter, .f1, .char("h"), .char(" ")], does: .cancel),

        // Not keys, but the help names them too.
        KeyBinding([.list, .history, .offsite], [],
                   also: [KeyPress(.click(row: 0, column: 0), .selectClickedRow),
                          KeyPress(.wheelUp, .move(-3)), KeyPress(.wheelDown, .move(3))],
                   help: "click selects a row, the wheel scrolls",
                   readme: "a click selects a row, the wheel scrolls (when the terminal reports the mouse)",
                   label: "mouse"),
        // Ctrl-C arrives as a signal, not a key; the controller handles it.
        KeyBinding([], [], help: "leave at once; a running backup is stopped and cleaned up",
                   readme: "leave at once; a running backup is stopped and cleaned up, the terminal is restored",
                   label: "Ctrl-C"),
    ]

    /// What `key` does in `context`, or nil when nothing there answers to it.
    public static func action(for key: Key, in context: KeyContext) -> KeyAction? {
        for binding in bindings {
            if let action = binding.action(for: key, in: context) { return action }
        }
        return nil
    }

    /// The rows the help overlay and the README list.
    public static var helpRows: [KeyBinding] { bindings.filter { $0.help != nil } }

    /// The row that does `action` in `context`.
    public static func binding(for action: ConsoleAction, in context: KeyContext) -> KeyBinding? {
        bindings.first { $0.contexts.contains(context) && $0.presses.contains { $0.action == .fixed(action) } }
    }

    /// The keys for `action` as hints write them ("n/Esc"), for text that tells the user
    /// which key to press ("press c to make one").
    public static func keys(for action: ConsoleAction, in context: KeyContext) -> String {
        guard let row = binding(for: action, in: context) else { return "" }
        // A row whose groups do different things (`o`, `F`) names the keys that do this one.
        let group = row.named.indices.contains(row.footerGroup) ? row.named[row.footerGroup] : []
        guard !group.contains(where: { $0.action == .fixed(action) }) else { return row.footerKeys }
        return row.named.flatMap { $0 }.filter { $0.action == .fixed(action) }.map(\.key.name).joined(separator: "/")
    }

    /// The footer's hints in `context`, as (keys, word); `compact` is the short list a
    /// narrow list view has room for.
    public static func footer(for context: KeyContext, compact: Bool = false) -> [(keys: String, word: String)] {
        var rows = bindings.filter { $0.footer[context] != nil }
        if compact {
            rows = rows.filter { $0.compactRank != nil }.sorted { ($0.compactRank ?? 0) < ($1.compactRank ?? 0) }
        }
        return rows.map { ($0.footerKeys, $0.footer[context] ?? "") }
    }

    /// The README's key list: a Markdown table of every row the help shows.
    public static func markdown() -> String {
        var lines = ["| Key | What it does |", "| --- | --- |"]
        for row in helpRows {
            lines.append("| \(row.markdownLabel) | \(row.readme ?? row.help ?? "") |")
        }
        return lines.joined(separator: "\n")
    }
}
