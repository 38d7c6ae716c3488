import BackupEngine
import CNCurses
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why the console could not take over the terminal.
public enum ConsoleStartError: Error, Equatable, CustomStringConvertible {
    case notATerminal
    case termUnset
    case unknownTerm(String)
    /// A known type that cannot move the cursor (`dumb`): no screen can be drawn.
    case cannotAddressCursor(String)
    case cursesFailed(String)

    public var description: String {
        let hint = "use the subcommands instead (mr5-backup status, list, create, restore NAME; see mr5-backup --help)"
        switch self {
        case .notATerminal: return "the console needs a terminal (stdin and stdout are not a tty): \(hint)"
        case .termUnset: return "the console needs a terminal type, but TERM is not set: \(hint)"
        case .unknownTerm(let t): return "the console does not know the terminal type TERM=\(t.debugSafeTerm): \(hint)"
        case .cannotAddressCursor(let t): return "the terminal type TERM=\(t.debugSafeTerm) cannot move the cursor, so the console cannot draw: \(hint)"
        case .cursesFailed(let t): return "could not start the console on TERM=\(t.debugSafeTerm): \(hint)"
        }
    }
}

extension String {
    fileprivate var debugSafeTerm: String { SafeText.forTerminal(self) }
}

/// An input event from the terminal.
enum TerminalEvent: Equatable {
    case key(Key)
    case resize(width: Int, height: Int)
    /// Ctrl-C arriving as a character (raw input) rather than as SIGINT.
    case interrupt
}

/// The thin curses layer: sets the terminal up, draws grids, reads keys, and puts the
/// terminal back. Owner: the UI thread; curses is not thread-safe, so no other thread may
/// call any method here.
final class CursesTerminal {
    let capabilities: TerminalCapabilities
    private var open = true
    private var pairs: [CellRole: Int32] = [:]

    /// Checks the terminal first so a bad `TERM` gives our message, never curses' own.
    init(options: ConsoleOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard isatty(0) == 1, isatty(1) == 1 else { throw ConsoleStartError.notATerminal }
        guard let term = environment["TERM"], !term.isEmpty else { throw ConsoleStartError.termUnset }
        setlocale(LC_ALL, "")
        guard mr5_terminal_known(term) == 1 else { throw ConsoleStartError.unknownTerm(term) }
        guard mr5_terminal_addresses_cursor(term) == 1 else { throw ConsoleStartError.cannotAddressCursor(term) }
        guard mr5_newterm(term) != nil else { throw ConsoleStartError.cursesFailed(term) }

        let unicode = !options.asciiOnly && mr5_codeset_is_utf8() == 1 && term != "linux" && !term.hasPrefix("vt")
        let noColorEnv = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        var colour = false
        if !options.noColor && !noColorEnv && has_colors() {
            colour = start_color() == OK
            if colour { _ = use_default_colors() }
        }
        cbreak()
        noecho()
        nonl()
        _ = keypad(mr5_stdscr(), true)
        _ = curs_set(0)
        set_escdelay(25)
        var old: mmask_t = 0
        let mask = mousemask(mr5_button1_clicked() | mr5_button4_pressed() | mr5_button5_pressed(), &old)
        if mask != 0 { mouseinterval(0) }
        capabilities = TerminalCapabilities(unicode: unicode, colour: colour, mouse: mask != 0)
        if colour { setUpPairs() }
    }

    deinit { close() }

    /// The colour of each role on the terminal's default background (-1).
    private func setUpPairs() {
        let table: [(CellRole, Int16)] = [
            (.header, Int16(COLOR_CYAN)), (.border, Int16(COLOR_BLUE)), (.ok, Int16(COLOR_GREEN)),
            (.warning, Int16(COLOR_YELLOW)), (.critical, Int16(COLOR_RED)), (.key, Int16(COLOR_CYAN)),
            (.progress, Int16(COLOR_CYAN)), (.button, Int16(COLOR_CYAN)),
        ]
        for (i, (role, fg)) in table.enumerated() {
            let n = Int16(i + 1)
            if init_pair(n, fg, -1) == OK { pairs[role] = Int32(n) }
        }
    }

    /// The terminal size now.
    var size: (width: Int, height: Int) {
        var y: Int32 = 0, x: Int32 = 0
        mr5_getmaxyx(mr5_stdscr(), &y, &x)
        return (Int(x), Int(y))
    }

    private func attributes(_ style: CellStyle) -> Int32 {
        var a = mr5_a_normal()
        if style.bold { a |= mr5_a_bold() }
        if style.reverse { a |= mr5_a_reverse() }
        if style.role == .dim && capabilities.colour { a |= mr5_a_dim() }
        if style.role == .selected && !style.reverse { a |= mr5_a_reverse() }
        if let pair = pairs[style.role] { a |= mr5_color_pair(pair) }
        return a
    }

    /// Draws a grid. Curses itself sends only what changed since the last refresh.
    func draw(_ grid: ScreenGrid) {
        guard open else { return }
        for row in 0..<grid.height {
            var column = 0
            while column < grid.width {
                let style = grid[row, column].style
                var run = ""
                let start = column
                while column < grid.width, grid[row, column].style == style {
                    run.append(grid[row, column].character)
                    column += 1
                }
                _ = mr5_attrset(attributes(style))
                // The bottom-right cell makes curses scroll-check and return ERR; it is drawn anyway.
                _ = mvaddstr(Int32(row), Int32(start), run)
            }
        }
        _ = mr5_attrset(mr5_a_normal())
        _ = refresh()
    }

    /// Forces a full repaint on the next draw (after a resize).
    func invalidate() {
        guard open else { return }
        _ = clearok(mr5_stdscr(), true)
    }

    /// Waits up to `timeoutMs` for input.
    func read(timeoutMs: Int32) -> TerminalEvent? {
        guard open else { return nil }
        wtimeout(mr5_stdscr(), timeoutMs)
        let c = wgetch(mr5_stdscr())
        switch c {
        case ERR: return nil
        case KEY_RESIZE:
            let s = size
            return .resize(width: s.width, height: s.height)
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_BTAB: return .key(.backTab)
        case KEY_ENTER, 10, 13: return .key(.enter)
        case 9: return .key(.tab)
        case KEY_BACKSPACE, 127, 8: return .key(.backspace)
        case 27: return .key(.escape)
        case 3: return .interrupt
        case KEY_MOUSE:
            var y: Int32 = 0, x: Int32 = 0
            var state: mmask_t = 0
            guard mr5_getmouse(&y, &x, &state) == 1 else { return nil }
            if state & mr5_button4_pressed() != 0 { return .key(.wheelUp) }
            if mr5_button5_pressed() != 0, state & mr5_button5_pressed() != 0 { return .key(.wheelDown) }
            if state & mr5_button1_clicked() != 0 { return .key(.click(row: Int(y), column: Int(x))) }
            return nil
        default:
            if c == mr5_key_f(1) { return .key(.f1) }
            if c >= 32 && c < 127, let scalar = Unicode.Scalar(UInt32(c)) { return .key(.char(Character(scalar))) }
            return nil
        }
    }

    /// Puts the terminal back as it was. Safe to call more than once.
    func close() {
        guard open else { return }
        open = false
        _ = curs_set(1)
        endwin()
    }
}
