import BackupEngine
import Foundation

/// The detail pane: the selected backup's path, check, hash, retention reasons and tables.
extension RenderContext {
    mutating func drawDetail() {
        let top = layout.detailTop
        let entry = state.selectedBackup
        box(top: top, left: 0, height: layout.detailHeight, width: width, title: entry.map { "Details: " + $0.name } ?? "Details")
        let inner = width - 4
        var lines: [(String, CellStyle)] = []
        defer {
            for (i, (text, style)) in lines.prefix(layout.detailHeight - 2).enumerated() {
                grid.put(text, row: top + 1 + i, column: 2, style: style, limit: inner)
            }
        }
        guard let entry else {
            lines.append(("No backup selected.", Self.dim))
            return
        }
        let rec = entry.record
        lines.append(("Path      " + entry.path, .normal))
        var made = "Created   " + TextFormat.dateTime(entry.createdAt, zone: state.timeZone, seconds: true)
            + " (" + TextFormat.age(entry.createdAt, now: state.now) + ")" + glyphs.separator + ByteCount.format(entry.sizeBytes)
        if let rec {
            let pages = ", \(NumberText.grouped(rec.pageCount)) pages"
            let size = " of \(rec.pageSize) B"
            made += made.count + pages.count + size.count <= inner ? pages + size : pages
        }
        lines.append((made, .normal))
        if let rec {
            let v = rec.verification
            var check = "Checked   " + (v.ok ? glyphs.ok + " " : glyphs.failure + " ") + TextFormat.checkResult(v)
                + " at " + TextFormat.dateTime(v.checkedAt, zone: state.timeZone)
            // A changed hash is said once: it is both the result and the status detail.
            if entry.status != .verified, let detail = entry.statusDetail, !(v.contentsChanged && detail == v.message) {
                check += ": " + OneLine.make(detail, limit: .max)
            }
            lines.append((check, entry.status == .verified ? .normal : Self.statusStyle(entry.status)))
            var sums = "SHA-256   " + String(rec.sha256.prefix(16)) + glyphs.ellipsis + glyphs.separator + "took " + TextFormat.duration(rec.durationSeconds)
            if rec.pace == .polite { sums += " (polite)" }
            // How long the POS's writers could have been held off (always 0 in WAL mode).
            sums += glyphs.separator + "writer wait " + TextFormat.duration(rec.longestWriterHoldMs / 1000)
            sums += glyphs.separator + "app version " + (rec.appVersion ?? entry.appVersion ?? "-")
            lines.append((sums, .normal))
            lines.append(keptLine(entry))
            let tables = rec.tables.map { "\($0.table) \(NumberText.grouped($0.rows))" }
            let tableText = tables.isEmpty ? "(no tables)" : tables.joined(separator: glyphs.separator)
            var wrapped = TextFormat.wrap(tableText, width: max(10, inner - 10))
            let room = max(1, layout.detailHeight - 2 - lines.count - 1)
            // Cut to the room left, and say so.
            if wrapped.count > room {
                wrapped = Array(wrapped.prefix(room))
                wrapped[room - 1] = TextFormat.fit(wrapped[room - 1] + " " + glyphs.ellipsis, max(10, inner - 10), ellipsis: glyphs.ellipsis)
                    .replacingTrailingSpaces()
            }
            for (i, l) in wrapped.enumerated() { lines.append(((i == 0 ? "Tables    " : "          ") + l, .normal)) }
        } else {
            let detail = OneLine.make(entry.statusDetail ?? "not verified by mr5-backup", limit: .max)
            lines.append(("Checked   " + Self.symbol(entry.status, glyphs) + " " + detail, Self.statusStyle(entry.status)))
            if entry.isSQLiteBackup {
                lines.append(("          press \(KeyTable.keys(for: .verify, in: .list)) to verify it (hash, integrity check, table counts)", Self.dim))
            }
            lines.append(keptLine(entry))
        }
        // Sizes over time, oldest to newest, so a sudden drop stands out.
        let sizes = state.backups.filter(\.isSQLiteBackup).reversed().map(\.sizeBytes)
        let spark = TextFormat.sparkline(Array(sizes.suffix(max(1, inner - 40))), glyphs: glyphs)
        if !spark.isEmpty, lines.count < layout.detailHeight - 2 {
            while lines.count < layout.detailHeight - 3 { lines.append(("", .normal)) }
            let lo = sizes.min() ?? 0, hi = sizes.max() ?? 0
            lines.append(("Sizes     " + spark + "  " + ByteCount.format(lo) + " - " + ByteCount.format(hi) + ", oldest to newest", .normal))
        }
    }

    /// `Kept      last, daily`: the retention rules that keep the backup, or that the next prune removes it.
    func keptLine(_ entry: BackupEntry) -> (String, CellStyle) {
        let reasons = state.keptReasons()[entry.name] ?? []
        if reasons.isEmpty {
            return ("Kept      no: no retention rule keeps it; the next prune (\(KeyTable.keys(for: .prune, in: .list))) removes it", Self.warning)
        }
        var text = "Kept      " + ConsoleState.words(reasons)
        let rules = " (rules: \(state.retention.summary))"
        if entry.kind.isRegular, text.count + rules.count <= width - 4 { text += rules }
        return (text, .normal)
    }

    static func symbol(_ status: BackupStatus, _ g: Glyphs) -> String {
        switch status {
        case .verified: return g.verified
        case .unverified: return g.unverified
        case .corrupt: return g.corrupt
        }
    }
}
