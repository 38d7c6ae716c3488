/// Where each part of the screen goes for a size and a state: shared by the renderer
/// (to draw) and the reducer and key map (page size, which row a click hit).
struct ScreenLayout: Equatable {
    enum Mode: Equatable { case full, compact, tooSmall }

    static let minimumWidth = 40, minimumHeight = 10
    static let fullWidth = 80, fullHeight = 24

    let mode: Mode
    let width: Int
    let height: Int
    /// The header's second row, saying why the console is read-only, when it is.
    let readOnlyRow: Int?
    /// The health banner's row, when the health is not OK.
    let bannerRow: Int?
    /// Full layout: the list box's top border; compact: the first list row minus one.
    let listBoxTop: Int
    /// First row of list entries and how many fit.
    let listTop: Int
    let listRows: Int
    /// Full layout only: the detail box (borders included).
    let detailTop: Int
    let detailHeight: Int
    let scheduleRow: Int
    /// Full layout only: the continuous line (when continuous protection is set up), the
    /// off-site line, the alerts line and the disk line.
    let continuousRow: Int?
    let offsiteRow: Int?
    let alertsRow: Int?
    let diskRow: Int?
    let statusRow: Int
    let footerRow: Int

    init(state: ConsoleState) {
        self.init(width: state.width, height: state.height, banner: state.showsBanner, readOnly: state.readOnly != nil,
                  continuous: state.continuous != nil)
    }

    init(width: Int, height: Int, banner: Bool, readOnly: Bool = false, continuous: Bool = false) {
        self.width = width
        self.height = height
        if width < Self.minimumWidth || height < Self.minimumHeight {
            mode = .tooSmall
            readOnlyRow = nil; bannerRow = nil; listBoxTop = 0; listTop = 0; listRows = 0; detailTop = 0; detailHeight = 0
            scheduleRow = 0; continuousRow = nil; offsiteRow = nil; alertsRow = nil; diskRow = nil; statusRow = 0; footerRow = 0
            return
        }
        footerRow = height - 1
        statusRow = height - 2
        readOnlyRow = readOnly ? 1 : nil
        bannerRow = banner ? 1 + (readOnly ? 1 : 0) : nil
        let top = 1 + (readOnly ? 1 : 0) + (banner ? 1 : 0)
        if width >= Self.fullWidth && height >= Self.fullHeight {
            mode = .full
            diskRow = height - 3
            alertsRow = height - 4
            offsiteRow = height - 5
            continuousRow = continuous ? height - 6 : nil
            scheduleRow = height - (continuous ? 7 : 6)
            let detailContent = height >= 34 ? 10 : 7
            detailHeight = detailContent + 2
            detailTop = scheduleRow - detailHeight
            listBoxTop = top
            listTop = top + 2                       // border, column headings
            listRows = max(1, detailTop - 1 - listTop)  // bottom border
        } else {
            mode = .compact
            continuousRow = nil
            offsiteRow = nil
            alertsRow = nil
            diskRow = nil
            scheduleRow = height - 3
            detailTop = 0
            detailHeight = 0
            listBoxTop = top
            listTop = top + 1                       // column headings
            listRows = max(1, scheduleRow - listTop)
        }
    }

    /// Rows of attempts the history view shows (under its column headings), and of
    /// snapshots the off-site view shows (the same place).
    var historyRows: Int {
        guard mode != .tooSmall else { return 0 }
        // Full: inside the box, below the headings; compact: from the headings to the schedule line.
        return mode == .full ? max(0, scheduleRow - listBoxTop - 3) : max(0, scheduleRow - 1 - listBoxTop)
    }
}

/// Where the scrollable text box (the whole text of a history entry or of the health
/// banner) goes and which rows it has: shared by the renderer and the reducer (how far
/// Down and PgDn may scroll).
struct TextBoxLayout: Equatable {
    let top: Int, left: Int, width: Int, height: Int
    /// The text wrapped to the box, one entry a row.
    let rows: [String]
    /// Rows of text visible at once.
    let visible: Int

    init(lines: [String], screenWidth: Int, screenHeight: Int) {
        let boxWidth = max(4, min(screenWidth - 2, 100))
        width = boxWidth
        rows = lines.flatMap { $0.isEmpty ? [""] : TextFormat.wrap($0, width: boxWidth - 4) }
        height = max(3, min(screenHeight - 2, rows.count + 2))   // borders; the hint sits on the bottom one
        visible = height - 2
        top = max(0, (screenHeight - height) / 2)
        left = max(0, (screenWidth - width) / 2)
    }

    /// The furthest the text scrolls: its last row at the bottom of the box.
    var maxScroll: Int { max(0, rows.count - visible) }
}
