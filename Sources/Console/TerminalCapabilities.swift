import BackupEngine
/// What the terminal can show, decided once at start-up by the curses layer and passed
/// to the pure renderer, so tests can render every mode without a terminal.
public struct TerminalCapabilities: Sendable, Equatable {
    /// UTF-8 locale and a terminal with the glyphs (not `TERM=linux`): box drawing and symbols.
    public var unicode: Bool
    /// Colours on, and not turned off by `NO_COLOR` or `--no-color`.
    public var colour: Bool
    /// The terminal reports mouse clicks and the wheel.
    public var mouse: Bool

    public init(unicode: Bool, colour: Bool, mouse: Bool = false) {
        self.unicode = unicode; self.colour = colour; self.mouse = mouse
    }
}

/// The characters used for lines, symbols and bars, in a Unicode and an ASCII set.
struct Glyphs: Sendable {
    let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight, teeLeft, teeRight: Character
    let verified, unverified, corrupt, ok, failure, warning: String
    let barFull, barEmpty: Character
    let spark: [Character]
    let ellipsis: String
    let separator: String
    let up, down: String
    /// No change in size.
    let unchanged: String
    /// Off-site marks besides `ok` and `failure`: waiting to be pushed, being pushed.
    let pending, pushing: String

    static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        teeLeft: "├", teeRight: "┤",
        verified: "✓", unverified: "?", corrupt: "✗", ok: "✓", failure: "✗", warning: "!",
        barFull: "█", barEmpty: "░", spark: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        ellipsis: "…", separator: " · ", up: "▲", down: "▼", unchanged: "±0",
        pending: "○", pushing: "↑")

    static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        teeLeft: "+", teeRight: "+",
        // "*" stands in for a tick: "+" reads as "added", and "v" is the verify key.
        // Always followed by a word ("* verified", "* ok").
        verified: "*", unverified: "?", corrupt: "X", ok: "*", failure: "X", warning: "!",
        barFull: "#", barEmpty: ".", spark: ["_", ".", "-", "~", "=", "*", "#", "@"],
        ellipsis: "~", separator: " | ", up: "^", down: "v", unchanged: "=0",
        pending: ".", pushing: "^")

    static func forCapabilities(_ caps: TerminalCapabilities) -> Glyphs { caps.unicode ? .unicode : .ascii }

    /// A backup's off-site mark: one character, so the column stays narrow (ASCII: the
    /// status words' "*" and "X").
    func offsite(_ mark: OffsiteMark) -> String {
        switch mark {
        case .pushed: return ok
        case .failed: return failure
        case .pending: return pending
        case .pushing: return pushing
        // No copy off-site any more, by the remote retention's choice: a dash, not a tick.
        case .forgotten: return "-"
        // In a damaged repository: there, restored once, not yet safe.
        case .unsafe: return "!"
        }
    }
}
