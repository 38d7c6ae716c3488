import ArgumentParser
import BackupEngine
import Foundation

/// A failure the command line reports itself (not the engine's).
enum CLIError: Error {
    /// Bad usage or input: exit 2.
    case usage(String)
    /// The operation failed or was declined: exit 1.
    case failed(String)
}

/// Turns every error into one line on stderr and an exit code:
/// 0 success, 1 the operation failed, 2 bad usage or input.
enum ErrorExit {
    static let usageCode: Int32 = 2
    static let failureCode: Int32 = 1

    /// Writes `mr5-backup: <message>` to stderr, as one line whatever the message holds.
    static func printError(_ message: String) {
        let line = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        FileHandle.standardError.write(Data("mr5-backup: \(SafeText.forTerminal(line))\n".utf8))
    }

    /// An error thrown while running a command.
    static func report(_ error: Error) -> Int32 {
        switch error {
        case let e as BackupError:
            printError(CLIHint.message(for: e))
            return e.isInputError ? usageCode : failureCode
        case let e as SQLiteError:
            return report(BackupError(e))
        case CLIError.usage(let message):
            printError(message)
            return usageCode
        case CLIError.failed(let message):
            printError(message)
            return failureCode
        case let e as ExitCode:
            return e.rawValue
        case let e as ValidationError:
            printError(e.message)
            return usageCode
        default:
            // ArgumentParser's own (help requested at run time, a completion request) or foreign.
            return reportParseError(error)
        }
    }

    /// An error from parsing the command line: help, version and completion scripts go
    /// to stdout with exit 0; a usage error is one line plus a hint, exit 2 (not
    /// ArgumentParser's 64); anything else one line, exit 1.
    static func reportParseError(_ error: Error) -> Int32 {
        let code = MR5Backup.exitCode(for: error)
        let message = MR5Backup.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { print(message) }
            return 0
        }
        let lines = message.split(whereSeparator: \.isNewline).map(String.init)
        var first = lines.first ?? "\(error)"
        if first.hasPrefix("Error: ") { first.removeFirst("Error: ".count) }
        guard code == .validationFailure else {
            printError(first)
            return failureCode
        }
        printError("\(first) (see '\(commandPath(fromUsage: lines)) --help')")
        return usageCode
    }

    /// `mr5-backup restore` from ArgumentParser's `Usage: mr5-backup restore <name> ...` line.
    private static func commandPath(fromUsage lines: [String]) -> String {
        guard let usage = lines.first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("Usage:") }) else {
            return "mr5-backup"
        }
        let words = usage.split(separator: " ").dropFirst()
            .prefix { !$0.hasPrefix("<") && !$0.hasPrefix("[") && !$0.hasPrefix("-") }
        return words.isEmpty ? "mr5-backup" : words.joined(separator: " ")
    }
}
