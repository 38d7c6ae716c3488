import BackupEngine

/// What a cell means. The curses layer maps a role to a colour pair; the renderer also
/// sets `bold`/`reverse` so that meaning survives without colour (`NO_COLOR`, `TERM=vt100`).
public enum CellRole: Sendable, Equatable, CaseIterable {
    case normal, header, border, title, selected, dim, ok, warning, critical, key, button, progress
}

/// How one cell is drawn.
public struct CellStyle: Sendable, Equatable {
    public var role: CellRole
    public var bold: Bool
    public var reverse: Bool

    public init(_ role: CellRole = .normal, bold: Bool = false, reverse: Bool = false) {
        self.role = role; self.bold = bold; self.reverse = reverse
    }

    public static let normal = CellStyle()
}

/// One screen position: a single-column character and its style.
public struct Cell: Sendable, Equatable {
    public var character: Character
    public var style: CellStyle
    public init(_ character: Character = " ", _ style: CellStyle = .normal) {
        self.character = character; self.style = style
    }
}

/// A width x height grid of cells: the whole screen as the renderer computed it.
/// Writes outside the grid are clipped, so layout code never has to bounds-check.
public struct ScreenGrid: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(), count: self.width * self.height)
    }

    public subscript(row: Int, column: Int) -> Cell {
        get { cells[row * width + column] }
        set {
            guard row >= 0, row < height, column >= 0, column < width else { return }
            cells[row * width + column] = newValue
        }
    }

    /// Writes `text` from (row, column), clipped at `limit` columns (default: the right edge).
    /// Control and double-width characters become `?` so one character is always one column.
    public mutating func put(_ text: String, row: Int, column: Int, style: CellStyle = .normal, limit: Int? = nil) {
        guard row >= 0, row < height else { return }
        let end = min(width, column + (limit ?? width))
        var c = column
        for ch in text {
            if c >= end { break }
            if c >= 0 { self[row, c] = Cell(ScreenGrid.singleColumn(ch), style) }
            c += 1
        }
    }

    /// Fills `count` cells of a row with one character and style.
    public mutating func fill(row: Int, column: Int, count: Int, character: Character = " ", style: CellStyle = .normal) {
        guard count > 0 else { return }
        for c in column..<(column + count) { self[row, c] = Cell(character, style) }
    }

    /// Restyles cells without changing their characters (a selected row, a focused button).
    public mutating func restyle(row: Int, column: Int, count: Int, style: CellStyle) {
        guard row >= 0, row < height, count > 0 else { return }
        for c in max(0, column)..<min(width, column + count) { cells[row * width + c].style = style }
    }

    /// One row as plain text (trailing spaces kept).
    public func line(_ row: Int) -> String {
        guard row >= 0, row < height else { return "" }
        return String(cells[(row * width)..<((row + 1) * width)].map(\.character))
    }

    /// The whole grid as text, one line a row, trailing spaces removed: what a screen capture shows.
    public var text: String {
        (0..<height).map { line($0).replacingTrailingSpaces() }.joined(separator: "\n")
    }

    /// Replaces characters that would not take exactly one column.
    static func singleColumn(_ ch: Character) -> Character {
        for scalar in ch.unicodeScalars {
            let v = scalar.value
            if SafeText.isControl(scalar) { return "?" }
            if (0x0300...0x036F).contains(v) || (0x200B...0x200F).contains(v) { return "?" }
            if (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x1F000...0x1FAFF).contains(v) || (0x20000...0x3FFFD).contains(v) {
                return "?"
            }
        }
        return ch.unicodeScalars.count == 1 ? ch : "?"
    }
}

extension String {
    func replacingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
