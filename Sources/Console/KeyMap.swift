/// Key -> action, depending on what is on screen. Pure: tested without a terminal.
public enum KeyMap {
    /// What `key` means in `state`.
    public static func action(for key: Key, in state: ConsoleState) -> ConsoleAction {
        if let dialog = state.dialog { return dialogAction(key, dialog) }
        switch state.view {
        case .help:
            switch key {
            case .escape, .enter, .char("q"), .char("?"), .f1, .char("h"), .char(" "): return .cancel
            default: return .none
            }
        case .history:
            switch key {
            case .escape, .char("h"): return .toggleHistory
            case .char("q"): return .quit
            case .char("?"), .f1: return .help
            default: return movement(key, state: state) ?? .none
            }
        case .list:
            if let move = movement(key, state: state) { return move }
            switch key {
            case .char("c"): return .create
            case .char("r"): return .restore
            case .char("d"): return .delete
            case .char("v"): return .verify
            case .char("p"): return .prune
            case .char("f"): return .frequency
            case .char("h"): return .toggleHistory
            case .char("?"), .f1: return .help
            case .char("q"): return .quit
            default: return .none
            }
        }
    }

    static func movement(_ key: Key, state: ConsoleState) -> ConsoleAction? {
        switch key {
        case .up, .char("k"): return .move(-1)
        case .down, .char("j"): return .move(1)
        case .pageUp: return .page(-1)
        case .pageDown: return .page(1)
        case .home, .char("g"): return .first
        case .end, .char("G"): return .last
        case .wheelUp: return .move(-3)
        case .wheelDown: return .move(3)
        case .click(let row, _):
            let layout = ScreenLayout(state: state)
            guard state.view == .list, layout.mode != .tooSmall,
                  row >= layout.listTop, row < layout.listTop + layout.listRows else { return ConsoleAction.none }
            return .selectVisibleRow(row - layout.listTop)
        default: return nil
        }
    }

    static func dialogAction(_ key: Key, _ dialog: ConsoleDialog) -> ConsoleAction {
        switch dialog {
        case .frequency:
            switch key {
            case .up, .char("k"), .wheelUp: return .move(-1)
            case .down, .char("j"), .wheelDown: return .move(1)
            case .home, .char("g"): return .first
            case .end, .char("G"): return .last
            case .enter: return .activate
            case .escape, .char("q"), .char("n"): return .cancel
            default: return .none
            }
        case .error, .message:
            switch key {
            case .enter, .escape, .char("q"), .char(" "), .char("y"), .char("n"): return .cancel
            default: return .none
            }
        case .restore, .delete, .prune, .quitConfirm:
            switch key {
            case .char("y"), .char("Y"): return .confirm
            case .char("n"), .char("N"), .escape, .char("q"): return .cancel
            case .enter: return .activate
            case .tab, .backTab, .left, .right, .char("h"), .char("l"): return .switchFocus
            default: return .none
            }
        }
    }
}
