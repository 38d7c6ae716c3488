import ArgumentParser
import BackupEngine
import Foundation

/// `history [--limit N] [--json]`: every attempt, failures included, newest first.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the attempts (backups, verifies, restores, deletes, prunes), failures included, newest first.")

    // .unconditional: "--limit -1" must reach validate() (a clear refusal), not read as a missing value.
    @Option(parsing: .unconditional, help: ArgumentHelp("How many entries to show.", valueName: "n"))
    var limit: Int = 20

    @Flag(help: "Print the history as JSON.")
    var json = false

    @Flag(name: .shortAndLong, help: "Print the whole text behind each shortened message (every problem a check found), indented under its row.")
    var verbose = false

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be 1 or more, not \(limit)") }
    }

    func run() throws {
        let engine = try global.makeEngine()
        let entries = engine.history(limit: limit)
        if json { return try JSONOutput.print(HistoryJSON(entries: entries.map(HistoryItemJSON.init))) }
        guard !entries.isEmpty else {
            print("No history yet in \(engine.layout.historyPath)")
            return
        }
        var rows = [["STARTED (\(CLIFormat.zoneNow))", "OPERATION", "TRIGGER", "RESULT", "TIME", "BACKUP / MESSAGE"]]
        for h in entries {
            let detail = [h.backupName, h.message].compactMap { $0 }.joined(separator: ": ")
            rows.append([CLIFormat.localTime(h.startedAt), h.operation.rawValue, h.trigger.rawValue,
                         h.outcome == .success ? "ok" : (h.outcome == .cancelled ? "cancelled" : "FAILED"), CLIFormat.seconds(h.durationSeconds), detail])
        }
        let table = CLIFormat.table(rows)
        guard verbose else { return print(table) }
        // The table's lines are the header and then one per entry, in order.
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out: [String] = lines.isEmpty ? [] : [lines[0]]
        for (index, h) in entries.enumerated() where index + 1 < lines.count {
            out.append(lines[index + 1])
            for line in (h.detail ?? "").split(whereSeparator: \.isNewline) { out.append("    " + line) }
        }
        print(out.joined(separator: "\n"))
    }
}
