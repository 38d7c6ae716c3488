/// Who asked for an operation, recorded in the history.
public enum Trigger: String, Codable, Sendable {
    case scheduler, cli, console, preUpdate = "pre-update", demo
}
