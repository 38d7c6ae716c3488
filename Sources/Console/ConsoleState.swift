import BackupEngine
import Foundation

/// Everything the console shows, as one value. Owner: the UI thread of `ConsoleApp`, which
/// alone mutates it (background work posts results to the inbox, drained on the UI thread).
/// Rendering and key handling are pure functions of this value.
///
/// Every change is a reducer step (`apply(_:)` for keys and refreshes, the controller steps
/// in `+Controller`, an operation's progress and end, the dialogs' arrivals); the fields are
/// written by nothing outside this module, and the tests set a state up through the same
/// steps (`ConsoleStateWritesTests` holds them to it).
public struct ConsoleState: Sendable, Equatable {
    /// Backups, newest first, as `BackupEngine.listBackups()` returns them.
    public private(set) var backups: [BackupEntry] = [] {
        didSet { if backups != oldValue { keptReasonsByName = Self.keptReasons(backups, retention) } }
    }
    /// The engine's last good backup in `backups`, updated with them.
    public private(set) var lastGood = LastGoodBackups()
    /// The selected backup, by name, so it survives the list changing underneath.
    public private(set) var selectedName: String?
    /// First visible row of the list (or of the history in the history view).
    public internal(set) var scrollOffset: Int = 0
    public internal(set) var historyScroll: Int = 0
    /// The selected attempt in the history view (Enter shows its whole text).
    public internal(set) var historySelected: Int = 0
    /// The health banner has the focus (Up from the first backup): Enter shows every reason.
    public internal(set) var bannerSelected: Bool = false
    public internal(set) var database: DatabaseInfo?
    /// Why the database info could not be read (shown in the header).
    public internal(set) var databaseProblem: String?
    /// The live database as the engine's cheap check found it at the last refresh.
    public internal(set) var live: LiveDatabaseState?
    /// The last full check of the live database (for the health box).
    public internal(set) var lastLiveCheck: LiveCheckRecord?
    /// Why this user cannot write the backup folders (`cannot write DIR (running as X;
    /// owned by Y)`); nil when it can. Set: the console is read-only.
    public internal(set) var readOnly: String?
    /// Why the backup folders cannot be read (`cannot read DIR: permission denied (...)`);
    /// nil when they can. Set: an empty list says nothing about what is on disk.
    public internal(set) var backupsUnreadable: String?
    public internal(set) var disk: DiskUsage?
    public internal(set) var scheduler: SchedulerSnapshot?
    /// This console's own scheduler is starting (it reads the whole history first): shown
    /// as "starting" rather than "not running" until its snapshot is true.
    public internal(set) var schedulerStarting = false
    public internal(set) var health: HealthReport?
    /// Attempts, newest first.
    public internal(set) var history: [HistoryEntry] = []
    /// Retention rules, so `p` and the details can say what goes and why the rest stays
    /// (the engine's `RetentionPolicy.decide`) without touching the disk.
    public internal(set) var retention: RetentionPolicy = .standard {
        didSet { if retention != oldValue { keptReasonsByName = Self.keptReasons(backups, retention) } }
    }
    /// Why retention keeps each backup, by name: derived when `backups` or `retention`
    /// change, not per frame (deciding over 1,000 backups on every draw was measurable
    /// idle CPU, docs/BENCHMARKS.md).
    private(set) var keptReasonsByName: [String: [RetentionPolicy.Reason]] = [:]
    /// The notification targets, and deliveries waiting in the outbox (the alerts line).
    public internal(set) var alertTargets: [NotifyTarget] = []
    public internal(set) var pendingAlerts: Int = 0
    /// Off-site copies as the last refresh read them; nil until the first refresh.
    public internal(set) var offsite: OffsiteStatus?
    /// The off-site view's snapshots and selection (`o`).
    public internal(set) var offsiteScreen = OffsiteScreen()
    /// The fleet view (`F`): every terminal of the off-site repository, over the list
    /// while it is open (`fleetScreen.isOpen`), its last read kept when it closes.
    public internal(set) var fleetScreen = FleetScreen()
    /// Continuous protection when it is set up (nil: not set up), and the moments its
    /// replica can give back (as of the last refresh).
    public internal(set) var continuous: ContinuousStatus?
    public internal(set) var continuousWindow: ClosedRange<Date>?
    /// What the open restore dialog has learnt: the comparison as it fills in.
    public internal(set) var restoreDetails: RestoreDialogDetails?
    /// Tells each restore dialog's comparison from those of dialogs closed since.
    public internal(set) var previewToken: Int = 0
    /// The console's own running operation, if any.
    public internal(set) var operation: RunningOperation?
    /// One line shown above the footer until the next key (a result, a refusal).
    public internal(set) var flash: String?
    public internal(set) var view: ConsoleView = .list
    public internal(set) var dialog: ConsoleDialog?
    public internal(set) var capabilities: TerminalCapabilities
    /// Terminal size, kept so paging and scrolling know the list height.
    public internal(set) var width: Int
    public internal(set) var height: Int
    /// Wall-clock now (countdown, ages) and monotonic now (when the second changes).
    public internal(set) var now: Date
    public internal(set) var monotonicNanos: UInt64 = 0
    /// Local time zone for showing times (tests pin it).
    public internal(set) var timeZone: TimeZone
    /// Its name as the header says it (`UTC`, `CET`), updated at each refresh (summer time).
    public internal(set) var timeZoneName: String
    /// Quit was confirmed while an operation ran: leave as soon as it ends.
    public internal(set) var quitting: Bool = false
    /// The controller should exit its loop.
    public internal(set) var finished: Bool = false

    public init(capabilities: TerminalCapabilities, width: Int = 80, height: Int = 24,
                now: Date = Date(), timeZone: TimeZone = .current) {
        self.capabilities = capabilities
        self.width = width
        self.height = height
        self.now = now
        self.timeZone = timeZone
        timeZoneName = TextFormat.zoneName(timeZone, at: now)
    }

    // MARK: - Selection

    /// The index of the selected backup in `backups`, or nil when the list is empty.
    public var selectedIndex: Int? {
        guard !backups.isEmpty else { return nil }
        if let name = selectedName, let i = backups.firstIndex(where: { $0.name == name }) { return i }
        return 0
    }

    public var selectedBackup: BackupEntry? { selectedIndex.map { backups[$0] } }

    /// Replaces the list and the engine's verdict on it; the selection stays on the same
    /// backup, or, when that backup is gone, on the one that took its place (so a deleted
    /// row does not jump to the top).
    public mutating func updateBackups(_ list: [BackupEntry], lastGood: LastGoodBackups) {
        let oldIndex = selectedIndex ?? 0
        backups = list
        self.lastGood = lastGood
        if let name = selectedName, list.contains(where: { $0.name == name }) {
            // keep it
        } else if list.isEmpty {
            selectedName = nil
        } else {
            selectedName = list[min(oldIndex, list.count - 1)].name
        }
        keepSelectionVisible()
    }

    /// Selects a backup by index (clamped).
    public mutating func select(index: Int) {
        guard !backups.isEmpty else { return }
        selectedName = backups[max(0, min(backups.count - 1, index))].name
        keepSelectionVisible()
    }

    /// Selects a backup by name, even one the next refresh brings (a snapshot just fetched).
    public mutating func select(name: String) {
        selectedName = name
        if let index = backups.firstIndex(where: { $0.name == name }) { select(index: index) }
    }

    /// Rows of the list visible at the current size.
    public var listRows: Int { ScreenLayout(state: self).listRows }

    /// Moves the scroll offset so the selected row is on screen.
    mutating func keepSelectionVisible() {
        let rows = max(1, listRows)
        let index = selectedIndex ?? 0
        if index < scrollOffset { scrollOffset = index }
        if index >= scrollOffset + rows { scrollOffset = index - rows + 1 }
        scrollOffset = max(0, min(scrollOffset, max(0, backups.count - rows)))
    }

    /// True when this console is running an operation or the scheduler is making a backup.
    public var isBusy: Bool { operation != nil }

    /// The health banner is on screen (the health is not OK).
    public var showsBanner: Bool { health.map { $0.level != .ok } ?? false }

    /// The banner is on screen and has the focus.
    public var bannerFocused: Bool { bannerSelected && showsBanner && view == .list }
}
