/// A key or mouse event as the console understands it, independent of curses codes.
public enum Key: Sendable, Equatable {
    /// A printable character (`c`, `?`, `G`...).
    case char(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, tab, backTab, f1
    /// A left click at a screen position.
    case click(row: Int, column: Int)
    case wheelUp, wheelDown
}
