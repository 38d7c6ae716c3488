import BackupEngine
import Foundation

/// How the text output shows times, sizes and tables.
enum CLIFormat {
    /// `2025-10-27 14:30` in the local time zone (what the technician's clock says); a time
    /// on the other side of a daylight-saving change than now says its own zone
    /// (`2025-10-26 02:30 CEST` under a `CET` header): the same hour twice is then two.
    static func localTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = "yyyy-MM-dd HH:mm"
        let own = ZoneName.of(.current, at: date)
        return f.string(from: date) + (own == zoneNow ? "" : " " + own)
    }

    /// The local zone's name now, for column headers: `CREATED (CET)`.
    static var zoneNow: String { ZoneName.of(.current, at: Date()) }

    /// `0.04 s` below a second (a small backup is fast and "0.0 s" reads like nothing happened), `12.3 s` above.
    static func seconds(_ s: Double) -> String { String(format: s < 1 ? "%.2f s" : "%.1f s", s) }

    /// `42m`, `2h18m`: the short duration `status` and the console use.
    static func duration(_ s: TimeInterval) -> String { SchedulePlanner.durationText(s) }

    /// `1 backup`, `2 backups`, `0 backups`.
    static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String { "\(n) \(n == 1 ? noun : plural ?? noun + "s")" }

    /// Left-aligned columns; the last column is not padded.
    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// `scheduled`, `manual`, `pre-update`, `legacy-sql`.
    static func kind(_ kind: BackupKind) -> String { kind.rawValue }

    /// `verified`, `unverified`, `CORRUPT`, or `legacy` for a `.sql` file.
    static func status(_ entry: BackupEntry) -> String {
        if entry.kind == .legacySQL { return "legacy" }
        switch entry.status {
        case .verified: return "verified"
        case .unverified: return "unverified"
        case .corrupt: return "CORRUPT"
        }
    }
}
