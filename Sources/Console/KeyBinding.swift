/// What a key does where its binding applies.
public enum KeyAction: Sendable, Equatable {
    /// The same action wherever the key is pressed.
    case fixed(ConsoleAction)
    /// Select the list row under the mouse: which row depends on where the click lands,
    /// so `KeyMap` works it out from the layout.
    case selectClickedRow
}

/// One key and what it does.
public struct KeyPress: Sendable {
    public let key: Key
    public let action: KeyAction

    public init(_ key: Key, _ action: ConsoleAction) {
        self.key = key
        self.action = .fixed(action)
    }

    public init(_ key: Key, _ action: KeyAction) {
        self.key = key
        self.action = action
    }
}

/// One row of `KeyTable`: the keys, where they work, what they do, and how the help
/// overlay, the footer, the dialog hints and the README describe them. Written once here
/// so that a key cannot do one thing and be documented as another.
public struct KeyBinding: Sendable {
    /// The views and dialogs the keys work in.
    public let contexts: Set<KeyContext>
    /// The keys the help names, in groups: a group's keys are joined by "/" and the groups
    /// by ", " (`[[Up, Down], [j, k]]` reads "Up/Down, j/k").
    public let named: [[KeyPress]]
    /// Keys that work the same without being named (Y like y, Shift-Tab like Tab), so the
    /// help stays short.
    public let quiet: [KeyPress]
    /// The help overlay's line; nil: the row is not in the help or the README.
    public let help: String?
    /// The README's line, where it says more than the help has room for.
    public let readme: String?
    /// The footer's word for the keys, per context ("scroll" in the history).
    public let footer: [KeyContext: String]
    /// Which group of `named` the footer and the dialog hints name ("j/k", not "Up/Down").
    let footerGroup: Int
    /// Where the compact list footer (a narrow terminal) puts this hint; nil: left out.
    let compactRank: Int?
    /// The name of what is not a key (Ctrl-C is a signal, the mouse has no key name).
    let labelOverride: String?

    public init(_ contexts: Set<KeyContext>, _ named: [[KeyPress]], also quiet: [KeyPress] = [],
                help: String? = nil, readme: String? = nil, footer: [KeyContext: String] = [:],
                footerGroup: Int = 0, compactRank: Int? = nil, label: String? = nil) {
        self.contexts = contexts
        self.named = named
        self.quiet = quiet
        self.help = help
        self.readme = readme
        self.footer = footer
        self.footerGroup = footerGroup
        self.compactRank = compactRank
        self.labelOverride = label
    }

    /// A row whose keys all do one action.
    public init(_ contexts: Set<KeyContext>, keys: [[Key]], also quiet: [Key] = [], does action: ConsoleAction,
                help: String? = nil, readme: String? = nil, footer: [KeyContext: String] = [:],
                compactRank: Int? = nil) {
        self.init(contexts, keys.map { $0.map { KeyPress($0, action) } }, also: quiet.map { KeyPress($0, action) },
                  help: help, readme: readme, footer: footer, compactRank: compactRank)
    }

    /// Every key of the row, named first.
    public var presses: [KeyPress] { named.flatMap { $0 } + quiet }

    /// The keys as the help writes them: "Up/Down, j/k".
    public var label: String {
        labelOverride ?? named.map { $0.map(\.key.name).joined(separator: "/") }.joined(separator: ", ")
    }

    /// The keys as the README writes them: "Up/Down, `j`/`k`".
    public var markdownLabel: String {
        labelOverride ?? named.map { $0.map(\.key.markdownName).joined(separator: "/") }.joined(separator: ", ")
    }

    /// The keys as the footer and the dialog hints write them: "j/k", "n/Esc".
    public var footerKeys: String {
        guard named.indices.contains(footerGroup) else { return label }
        return named[footerGroup].map(\.key.name).joined(separator: "/")
    }

    /// The named keys as a sentence says them: "Esc, q or ?".
    public var spokenKeys: String {
        let names = named.flatMap { $0 }.map(\.key.name)
        guard names.count > 1 else { return names.first ?? label }
        return names.dropLast().joined(separator: ", ") + " or " + names[names.count - 1]
    }

    /// What `key` does under this row in `context`, or nil when the row does not cover it.
    public func action(for key: Key, in context: KeyContext) -> KeyAction? {
        guard contexts.contains(context) else { return nil }
        return presses.first { $0.key.matches(key) }?.action
    }
}
