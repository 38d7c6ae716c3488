import BackupEngine
import Foundation

/// The fleet view (`F`): every terminal pushing into the off-site repository, worst first,
/// as `engine.offsite.fleet()` read it on a worker thread (restic lists the repository's
/// snapshots: a second, or minutes on a slow link). Owner: `ConsoleState`, on the UI thread,
/// like the rest of the screen; the controller only runs the reads the state asks for
/// (`ConsoleEffect.readFleet`) and posts their answers through the inbox.
///
/// It outlives a closing: at the next opening the last good rows show while it reads again.
public struct FleetScreen: Sendable, Equatable {
    /// The view is on screen, over the list it was opened from.
    public var isOpen = false
    /// The last good read; kept when a later read fails.
    public var fleet: Fleet?
    /// Why the last read failed, in one line (nil: it did not).
    public var error: String?
    /// A read is running: never two at once.
    public var reading = false
    /// When the last read ended, good or failed (monotonic nanoseconds): the next is due
    /// `ConsoleState.fleetReadEvery` later, while the view is open.
    public var lastReadEnded: UInt64?
    /// The filter: terminals whose id contains it, ignoring case.
    public var filter = ""
    /// `/` was pressed: keys type the filter until Enter keeps it or Esc clears it.
    public var editingFilter = false
    /// The selected terminal, by id, so the selection survives a new read reordering the rows.
    public var selected: String?
    /// First visible row.
    public var scroll = 0

    static let maxFilter = 40

    public init() {}

    /// Every terminal read, worst first.
    public var all: [FleetRow] { fleet?.rows ?? [] }

    /// The rows the filter lets through, worst first.
    public var rows: [FleetRow] {
        guard !filter.isEmpty else { return all }
        return all.filter { $0.terminal.range(of: filter, options: .caseInsensitive) != nil }
    }

    /// The selected row's index in `rows` (the first when the selected terminal is filtered
    /// out or gone), nil when no row shows.
    public var selectedIndex: Int? {
        let rows = self.rows
        guard !rows.isEmpty else { return nil }
        return selected.flatMap { id in rows.firstIndex { $0.terminal == id } } ?? 0
    }

    public var selectedRow: FleetRow? {
        let rows = self.rows
        return selectedIndex.map { rows[$0] }
    }

    /// Opened afresh: the filter cleared, the worst terminal selected.
    mutating func open() {
        isOpen = true
        filter = ""
        editingFilter = false
        selected = nil
        scroll = 0
    }

    mutating func close() {
        isOpen = false
        editingFilter = false
    }

    /// Selects a row (clamped) and scrolls it into `visible` rows.
    mutating func select(_ index: Int, visible: Int) {
        let rows = self.rows
        guard !rows.isEmpty else {
            selected = nil
            scroll = 0
            return
        }
        let index = max(0, min(rows.count - 1, index))
        selected = rows[index].terminal
        let visible = max(1, visible)
        if index < scroll { scroll = index }
        if index >= scroll + visible { scroll = index - visible + 1 }
        scroll = max(0, min(scroll, max(0, rows.count - visible)))
    }

    /// A read's answer: the selection stays on its terminal, or, when that one is gone, on
    /// the row that took its place.
    mutating func took(_ fleet: Fleet, at nanos: UInt64, visible: Int) {
        let old = selectedIndex ?? 0
        let kept = selected.map { id in fleet.rows.contains { $0.terminal == id } } ?? true
        self.fleet = fleet
        error = nil
        reading = false
        lastReadEnded = nanos
        select(kept ? selectedIndex ?? 0 : old, visible: visible)
    }

    /// A read failed: said in one line; the last good rows stay.
    mutating func failed(_ message: String, at nanos: UInt64) {
        error = OneLine.make(message, limit: .max)
        reading = false
        lastReadEnded = nanos
    }

    /// A typed character of the filter: a terminal id's (letters, digits, `-`, `_`, `.`).
    mutating func type(_ c: Character, visible: Int) {
        guard filter.count < Self.maxFilter, c.isASCII, c.isLetter || c.isNumber || "-_.".contains(c) else { return }
        filter.append(c)
        select(selectedIndex ?? 0, visible: visible)
    }

    mutating func erase(visible: Int) {
        guard !filter.isEmpty else { return }
        filter.removeLast()
        select(selectedIndex ?? 0, visible: visible)
    }

    /// Enter: the filter stays, the keys move again.
    mutating func keepFilter() { editingFilter = false }

    /// Esc while typing: every terminal shows again.
    mutating func clearFilter(visible: Int) {
        editingFilter = false
        filter = ""
        select(selectedIndex ?? 0, visible: visible)
    }

    /// Rows of terminals visible at a layout: under the title (compact only: the box's
    /// border carries it in full), the summary line and the column headings.
    static func visibleRows(_ layout: ScreenLayout) -> Int {
        guard layout.mode != .tooSmall else { return 0 }
        // `historyRows` leaves the headings' row (and in full, the box's borders).
        return max(0, layout.historyRows - (layout.mode == .full ? 1 : 2))
    }
}
