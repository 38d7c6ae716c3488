import BackupEngine
import Foundation

/// Dialogs, the help overlay and the history view.
extension RenderContext {
    /// Text of a dialog before it is placed: the renderer centres it.
    struct DialogContent {
        var title: String
        var lines: [(String, CellStyle)]
        var buttons: [(String, DialogButton)]
        var focus: DialogButton?
        var hint: String
        var style: CellStyle = RenderContext.border
        /// The essential lines, one row each (cut, not wrapped), used when `lines` do not
        /// fit a small terminal; nil: cut `lines` at the bottom.
        var essentials: [(String, CellStyle)]? = nil
    }

    /// Dialog box width for a terminal width: up to 72 columns, text 4 narrower.
    static func dialogWidth(for width: Int) -> Int { min(width - 2, 72) }

    mutating func drawDialog(_ dialog: ConsoleDialog) {
        if case .text(let title, let lines, let scroll) = dialog { return drawTextBox(title: title, lines: lines, scroll: scroll) }
        let boxWidth = Self.dialogWidth(for: width)
        let inner = boxWidth - 4
        let content = dialogContent(dialog, inner: inner)
        var body: [(String, CellStyle)] = []
        for (text, style) in content.lines {
            if text.isEmpty { body.append(("", style)); continue }
            for l in TextFormat.wrap(text, width: inner) { body.append((l, style)) }
        }
        let fixed = 2 + (content.buttons.isEmpty ? 0 : 2) + 1   // borders, gap + buttons, hint
        let room = max(1, height - 2 - fixed)
        if body.count > room, let essentials = content.essentials {
            body = essentials.map { (TextFormat.fit($0.0, inner, ellipsis: glyphs.ellipsis).replacingTrailingSpaces(), $0.1) }
        }
        if body.count > room { body = Array(body.prefix(room - 1)) + [(glyphs.ellipsis, Self.dim)] }
        let boxHeight = min(height - 2, body.count + fixed)
        let top = max(0, (height - boxHeight) / 2)
        let left = max(0, (width - boxWidth) / 2)
        // One column of margin each side too, so no list character sits against the border.
        clear(top: top, left: max(0, left - 1), height: boxHeight, width: min(width, boxWidth + 2))
        box(top: top, left: left, height: boxHeight, width: boxWidth, title: content.title, style: content.style)
        var row = top + 1
        for (text, style) in body {
            grid.put(text, row: row, column: left + 2, style: style, limit: inner)
            row += 1
        }
        if !content.buttons.isEmpty {
            row += 1
            let labels = content.buttons.map { "[ \($0.0) ]" }
            let total = labels.reduce(0) { $0 + $1.count } + 3 * (labels.count - 1)
            var col = left + max(2, (boxWidth - total) / 2)
            for (label, (_, which)) in zip(labels, content.buttons) {
                let focused = content.focus == which
                // Reverse marks the focused button even without colour.
                grid.put(label, row: row, column: col,
                         style: focused ? CellStyle(.button, bold: true, reverse: true) : CellStyle(.button))
                col += label.count + 3
            }
            row += 1
        }
        grid.put(" " + content.hint + " ", row: top + boxHeight - 1, column: left + 2, style: Self.dim, limit: inner)
    }

    func dialogContent(_ dialog: ConsoleDialog, inner: Int) -> DialogContent {
        switch dialog {
        case .restore(let name, let focus, let refusal):
            return restoreContent(name: name, focus: focus, refusal: refusal, inner: inner)
        case .delete(let name, let focus, let lastGood):
            let entry = state.backups.first { $0.name == name }
            var lines: [(String, CellStyle)] = [("Backup:   " + name, Self.title)]
            if let entry {
                lines.append(("Made:     " + TextFormat.dateTime(entry.createdAt, zone: state.timeZone)
                              + ", " + ByteCount.format(entry.sizeBytes) + ", " + TextFormat.status(of: entry, glyphs: glyphs), .normal))
            }
            lines.append(("", .normal))
            if lastGood {
                let next = state.lastGood.newest(without: name)
                lines.append(("WARNING: this is the newest verified backup, the last good one." + (next.map {
                    " The newest good backup would then be " + $0 + "." } ?? " No verified backup would be left."), Self.critical))
            }
            lines.append(("The file is removed from the disk. This cannot be undone.", .normal))
            return DialogContent(title: "Delete backup?", lines: lines, buttons: [("Delete", .confirm), ("Cancel", .cancel)],
                                 focus: focus, hint: confirmHint([(.confirm, "delete"), (.cancel, "cancel")]), style: Self.warning)
        case .prune(let names, let focus):
            var lines: [(String, CellStyle)] = [
                ("Retention keeps \(state.retentionRules), and always the newest verified one. These \(names.count) would be removed:", .normal),
            ]
            for n in names { lines.append(("  " + n, Self.title)) }
            // Why each of the others stays, by the engine's rules.
            let kept = state.retention.decide(state.backups).filter { $0.keep && !names.contains($0.entry.name) }
            if !kept.isEmpty {
                lines.append(("\(kept.count) kept, and why:", .normal))
                // Names in a column; reasons that do not fit beside a name go on under each other.
                let nameWidth = min(kept.map(\.entry.name.count).max() ?? 0, max(10, inner - 20))
                for d in kept {
                    for (i, part) in TextFormat.wrap(ConsoleState.words(d.reasons), width: inner - 4 - nameWidth).enumerated() {
                        lines.append(("  " + TextFormat.fit(i == 0 ? d.entry.name : "", nameWidth, ellipsis: glyphs.ellipsis) + "  " + part, .normal))
                    }
                }
            }
            return DialogContent(title: "Prune old backups?", lines: lines, buttons: [("Prune", .confirm), ("Cancel", .cancel)],
                                 focus: focus, hint: confirmHint([(.confirm, "prune"), (.cancel, "cancel")]), style: Self.warning)
        case .frequency(let choices, let index):
            let current = state.scheduler?.frequency
            var lines: [(String, CellStyle)] = [("How often scheduled backups run:", .normal)]
            for (i, choice) in choices.enumerated() {
                let mark = current.flatMap { try? BackupFrequency.parse($0) } == (try? BackupFrequency.parse(choice)) ? "(current)" : ""
                let text = (i == index ? "> " : "  ") + TextFormat.fit(choice, 10) + mark
                lines.append((text, i == index ? CellStyle(.selected, bold: true, reverse: true) : .normal))
            }
            return DialogContent(title: "Backup frequency", lines: lines, buttons: [], focus: nil,
                                 hint: KeyTable.footer(for: .picker).map { $0.keys + " " + $0.word }.joined(separator: glyphs.separator))
        case .error(let title, let message):
            // One line (wrapped in the box): a message of many lines would fill the screen.
            return DialogContent(title: title, lines: [(OneLine.make(message), .normal)], buttons: [("OK", .cancel)], focus: .cancel,
                                 hint: closesHint, style: Self.critical)
        case .message(let title, let text):
            // Joined into one line and wrapped in the box, never cut short (a restore's notice
            // names two long file names before its advice).
            return DialogContent(title: title, lines: [(OneLine.make(text, limit: .max), .normal)], buttons: [("OK", .cancel)], focus: .cancel,
                                 hint: closesHint)
        case .text(let title, let lines, _):
            return DialogContent(title: title, lines: lines.map { ($0, .normal) }, buttons: [], focus: nil, hint: "")
        case .moment(let picker):
            return momentContent(picker)
        case .quitConfirm(let focus):
            let what = state.operation?.label ?? "An operation"
            return DialogContent(title: "Quit?", lines: [
                ("\(what) is still running. Quitting asks it to stop at its next step and clean up; a restore is finished first.", .normal),
            ], buttons: [("Quit", .confirm), ("Cancel", .cancel)], focus: focus,
                                 hint: confirmHint([(.confirm, "quit"), (.cancel, "keep running")]), style: Self.warning)
        }
    }

    /// The restore dialog: the backup, when it was made and its check; then what restoring
    /// it changes, as the engine's comparison fills in (the tables whose row counts change
    /// most, the consequence); the saved copy, and the engine's restart advice. Cancel is
    /// focused until the user moves. A backup that cannot be restored only offers Close.
    func restoreContent(name: String, focus: DialogButton, refusal: String?, inner: Int) -> DialogContent {
        let entry = state.backups.first { $0.name == name }
        let details = state.restoreDetails.flatMap { $0.name == name ? $0 : nil }
        let saved = entry?.kind == .savedBeforeRestore
        let title = details?.undo == true ? "Undo the last restore?" : saved ? "Restore saved copy?" : "Restore backup?"
        var lines: [(String, CellStyle)] = [((saved ? "Copy:     " : "Backup:   ") + name, Self.title)]
        if let entry {
            lines.append(("Made:     " + TextFormat.dateTime(entry.createdAt, zone: state.timeZone, seconds: true)
                          + " (" + TextFormat.age(entry.createdAt, now: state.now) + "), " + ByteCount.format(entry.sizeBytes), .normal))
            lines.append(("Checked:  " + verificationText(entry), Self.statusStyle(entry.status)))
        }
        if let snapshot = details?.snapshot {
            lines.append(("From:     off-site snapshot \(snapshot), fetched and checked", .normal))
        }
        if saved, let restore = state.restoreThatSaved(name) {
            lines.append(("The database as it was before " + (restore.backupName ?? "a backup") + " was restored at "
                          + TextFormat.dateTime(restore.startedAt, zone: state.timeZone) + ".", .normal))
        }
        lines.append(("", .normal))
        // Small terminals: the name (cut), when and how big, and what to do.
        var essentials: [(String, CellStyle)] = [(name, Self.title)]
        if let entry {
            essentials.append((TextFormat.dateTime(entry.createdAt, zone: state.timeZone) + ", " + ByteCount.format(entry.sizeBytes)
                               + ", " + TextFormat.status(of: entry, glyphs: glyphs), .normal))
        }
        if let refusal {
            lines.append(("This backup cannot be restored: " + refusal, Self.critical))
            essentials.append(("Cannot be restored: " + refusal, Self.critical))
            return DialogContent(title: title, lines: lines, buttons: [("Close", .cancel)], focus: .cancel,
                                 hint: closesHint, style: Self.critical, essentials: essentials)
        }
        let dbName = state.database.map { ($0.path as NSString).lastPathComponent } ?? DataLayout.defaultDatabaseName
        let size = state.database.map { ByteCount.format($0.sizeBytes) } ?? "size unknown"
        // The saved copy is named when the restore runs, not when the dialog opens, so a
        // stamp shown here would be wrong by however long the dialog stays open.
        var after: [(String, CellStyle)] = []
        let consequence = details.flatMap { $0.done && $0.problem == nil ? $0.preview?.consequence : nil }
        if let consequence { after.append((consequence, Self.warning)) }
        after.append(("The current database (\(size)) will first be saved as \(dbName).corrupted.<time>.", .normal))
        after.append((RestorePreview.restartAdvice, .normal))
        if entry?.status == .unverified {
            after.append(("The backup is checked first; a backup that fails the check is not restored.", Self.dim))
        }
        // The comparison gets the rows the rest leaves on this screen.
        let wrapped = { (part: [(String, CellStyle)]) in part.reduce(0) { $0 + max(1, TextFormat.wrap($1.0, width: inner).count) } }
        let room = height - 2 - 5 - wrapped(lines) - wrapped(after) - 1
        let table = comparisonLines(details, inner: inner, room: room)
        lines += table + (table.isEmpty ? [] : [("", .normal)]) + after
        // Cut, the engine's advice would lose its end: a narrow box says the half that matters after.
        let restart = (RestorePreview.restartAdvice.count <= inner ? RestorePreview.restartAdvice : "Restart the POS app afterwards.", CellStyle.normal)
        // The consequence is essential too, where a row is left for it.
        if let consequence, height - 2 - 5 > essentials.count + 1 { essentials.append((consequence, Self.warning)) }
        essentials.append(restart)
        return DialogContent(title: title, lines: lines, buttons: [("Restore", .confirm), ("Cancel", .cancel)],
                             focus: focus, hint: confirmHint([(.confirm, "restore"), (.cancel, "cancel"), (.activate, "= focused button")]),
                             style: Self.warning, essentials: essentials)
    }

    /// The comparison as a table of at most `room` rows: the five tables whose row counts
    /// change most (the engine's `largestDifferences`), those that took too long to count,
    /// and a row of `…` while counting goes on. Empty when nothing differs, or no room.
    func comparisonLines(_ details: RestoreDialogDetails?, inner: Int, room: Int) -> [(String, CellStyle)] {
        guard let details, room >= 2 else { return [] }
        if let problem = details.problem { return [("Could not compare the tables: " + OneLine.make(problem), Self.dim)] }
        let pending = state.capabilities.unicode ? "…" : "..."
        if details.preview?.liveReadable == false { return [] }   // the consequence says it
        let changed = details.preview?.largestDifferences(5) ?? []
        let slow = (details.preview?.tables ?? []).filter { $0.timedOut && !changed.contains($0) }
        if details.done && changed.isEmpty && slow.isEmpty { return [] }   // the consequence says they are the same
        let number = 12
        let nameWidth = max(6, inner - 3 * number)
        func row(_ name: String, _ now: String, _ backup: String, _ change: String) -> String {
            TextFormat.fit(name, nameWidth, ellipsis: glyphs.ellipsis) + TextFormat.fit(now, number, right: true)
                + TextFormat.fit(backup, number, right: true) + TextFormat.fit(change, number, right: true)
        }
        var rows: [(String, CellStyle)] = []
        for t in changed + slow {
            let change = t.changeText ?? pending
            rows.append((row(t.name, !t.inLive ? "none" : t.liveRows.map(NumberText.grouped) ?? pending,
                             !t.inBackup ? "none" : t.backupRows.map(NumberText.grouped) ?? pending, change),
                         t.rowsLeaving > 0 ? Self.warning : .normal))
        }
        if !details.done { rows.append((row("counting" + pending, pending, pending, pending), Self.dim)) }
        return [(row("Table", "Now", "In backup", "Change"), Self.title)] + rows.prefix(room - 1)
    }

    /// A two-button dialog's hint line: each action's keys from the key table, then the
    /// dialog's own word for it ("y restore · n/Esc cancel").
    func confirmHint(_ parts: [(ConsoleAction, String)]) -> String {
        parts.map { KeyTable.keys(for: $0.0, in: .confirm) + " " + $0.1 }.joined(separator: glyphs.separator)
    }

    /// A one-button box's hint line: "Enter or Esc closes".
    var closesHint: String { (KeyTable.binding(for: .cancel, in: .notice)?.spokenKeys ?? "") + " closes" }

    func verificationText(_ entry: BackupEntry) -> String {
        var text = TextFormat.status(of: entry, glyphs: glyphs)
        if let v = entry.record?.verification {
            let how = v.contentsChanged ? "SHA-256 compared" : v.method
            text += " (\(how), \(TextFormat.dateTime(v.checkedAt, zone: state.timeZone)))"
        }
        if entry.status != .verified, let detail = entry.statusDetail { text += ": " + OneLine.make(detail) }
        return text
    }

    // MARK: - Text box

    /// The whole text of a history entry or of the health banner, wrapped, scrolled by
    /// `scroll` rows; marks on the border when there is more above or below.
    mutating func drawTextBox(title: String, lines: [String], scroll: Int) {
        let box = TextBoxLayout(lines: lines, screenWidth: width, screenHeight: height)
        let offset = max(0, min(scroll, box.maxScroll))
        clear(top: box.top, left: max(0, box.left - 1), height: box.height, width: min(width, box.width + 2))
        self.box(top: box.top, left: box.left, height: box.height, width: box.width, title: title)
        for (i, text) in box.rows.dropFirst(offset).prefix(box.visible).enumerated() {
            grid.put(text, row: box.top + 1 + i, column: box.left + 2, limit: box.width - 4)
        }
        let right = box.left + box.width - 3
        if offset > 0 { grid.put(glyphs.up, row: box.top, column: right, style: Self.title) }
        if offset < box.maxScroll { grid.put(glyphs.down, row: box.top + box.height - 1, column: right, style: Self.title) }
        var hint = (KeyTable.binding(for: .cancel, in: .reader)?.spokenKeys ?? "") + " closes"
        if box.maxScroll > 0 {
            hint += glyphs.separator + KeyTable.keys(for: .move(1), in: .reader) + " scroll"
                + glyphs.separator + "\(offset + 1)-\(min(box.rows.count, offset + box.visible)) of \(box.rows.count)"
        }
        grid.put(" " + hint + " ", row: box.top + box.height - 1, column: box.left + 2, style: Self.dim, limit: max(0, box.width - 6))
    }

    // MARK: - Help

    mutating func drawHelp() {
        let boxWidth = min(width - 2, 78)
        let inner = boxWidth - 4
        let keyWidth = 17
        let lines = KeyTable.helpRows.map { ($0.label, $0.help ?? "") }
        let boxHeight = min(height - 2, lines.count + 3)
        let top = max(0, (height - boxHeight) / 2)
        let left = max(0, (width - boxWidth) / 2)
        clear(top: top, left: max(0, left - 1), height: boxHeight, width: min(width, boxWidth + 2))
        box(top: top, left: left, height: boxHeight, width: boxWidth, title: "Keys")
        let rows = max(0, boxHeight - 3)
        // Cut: as many keys as fit, and the last row says there are more.
        let cut = lines.count > rows
        let shown = cut ? max(0, rows - 1) : lines.count
        for (i, (key, what)) in lines.prefix(shown).enumerated() {
            grid.put(TextFormat.fit(key, keyWidth), row: top + 1 + i, column: left + 2, style: Self.key, limit: inner)
            grid.put(what, row: top + 1 + i, column: left + 2 + keyWidth, limit: max(0, inner - keyWidth))
        }
        if cut, rows > 0 {
            let long = "... (enlarge the terminal to see all keys)"
            grid.put(long.count <= inner ? long : "... (enlarge to see all keys)", row: top + rows, column: left + 2,
                     style: Self.dim, limit: inner)
        }
        let closes = (KeyTable.binding(for: .cancel, in: .help)?.spokenKeys ?? "") + " closes"
        grid.put(closes, row: top + boxHeight - 2, column: left + 2, style: Self.dim, limit: inner)
    }
}
