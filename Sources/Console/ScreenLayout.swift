/// Where each part of the screen goes for a size and a state: shared by the renderer
/// (to draw) and the reducer and key map (page size, which row a click hit).
struct ScreenLayout: Equatable {
    enum Mode: Equatable { case full, compact, tooSmall }

    static let minimumWidth = 40, minimumHeight = 10
    static let fullWidth = 80, fullHeight = 24

    let mode: Mode
    let width: Int
    let height: Int
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
    /// Full layout only.
    let diskRow: Int?
    let statusRow: Int
    let footerRow: Int

    init(state: ConsoleState) {
        self.init(width: state.width, height: state.height,
                  banner: state.health.map { $0.level != .ok } ?? false)
    }

    init(width: Int, height: Int, banner: Bool) {
        self.width = width
        self.height = height
        if width < Self.minimumWidth || height < Self.minimumHeight {
            mode = .tooSmall
            bannerRow = nil; listBoxTop = 0; listTop = 0; listRows = 0; detailTop = 0; detailHeight = 0
            scheduleRow = 0; diskRow = nil; statusRow = 0; footerRow = 0
            return
        }
        footerRow = height - 1
        statusRow = height - 2
        let top = banner ? 2 : 1
        bannerRow = banner ? 1 : nil
        if width >= Self.fullWidth && height >= Self.fullHeight {
            mode = .full
            diskRow = height - 3
            scheduleRow = height - 4
            let detailContent = height >= 34 ? 10 : 7
            detailHeight = detailContent + 2
            detailTop = scheduleRow - detailHeight
            listBoxTop = top
            listTop = top + 2                       // border, column headings
            listRows = max(1, detailTop - 1 - listTop)  // bottom border
        } else {
            mode = .compact
            diskRow = nil
            scheduleRow = height - 3
            detailTop = 0
            detailHeight = 0
            listBoxTop = top
            listTop = top + 1                       // column headings
            listRows = max(1, scheduleRow - listTop)
        }
    }
}
