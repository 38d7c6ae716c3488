/// Key -> action, depending on what is on screen. Pure: tested without a terminal.
/// The bindings themselves live in `KeyTable`; this only picks the context and works
/// out which row a click lands on.
public enum KeyMap {
    /// What `key` means in `state`.
    public static func action(for key: Key, in state: ConsoleState) -> ConsoleAction {
        let context = KeyContext(state)
        // The moment picker and the fleet's filter take every character as their text (q, n
        // and j are letters there).
        if context == .moment || context == .fleetFilter, case .char(let c) = key { return .typeText(c) }
        switch KeyTable.action(for: key, in: context) {
        case .fixed(let action)?: return action
        case .selectClickedRow?: return clickedRow(key, state: state)
        case nil: return .none
        }
    }

    /// A click on a visible list row selects it; a click anywhere else does nothing.
    static func clickedRow(_ key: Key, state: ConsoleState) -> ConsoleAction {
        guard case .click(let row, _) = key else { return .none }
        let layout = ScreenLayout(state: state)
        guard state.view == .list, layout.mode != .tooSmall,
              row >= layout.listTop, row < layout.listTop + layout.listRows else { return .none }
        return .selectVisibleRow(row - layout.listTop)
    }
}
