/// A key or mouse event as the console understands it, independent of curses codes.
public enum Key: Sendable, Equatable {
    /// A printable character (`c`, `?`, `G`...).
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, f1, backspace
    /// A left click at a screen position.
    case click(row: Int, column: Int)
    case wheelUp, wheelDown

    /// How the help, the footer and the README write the key: the one place a key's
    /// name is spelled, so the screen and the docs cannot call it two things.
    public var name: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .f1: return "F1"
        case .backspace: return "Backspace"
        case .click: return "click"
        case .wheelUp: return "wheel up"
        case .wheelDown: return "wheel down"
        }
    }

    /// The name in Markdown: typed characters as code (`` `j` ``), named keys as words.
    public var markdownName: String {
        if case .char(let c) = self, c != " " { return "`\(c)`" }
        return name
    }

    /// True when `pressed` is this key; a click in the key table stands for a click anywhere.
    func matches(_ pressed: Key) -> Bool {
        if case .click = self, case .click = pressed { return true }
        return self == pressed
    }
}
