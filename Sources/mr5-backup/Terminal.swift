import BackupEngine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the process is connected to, and the yes/no question for destructive commands.
enum Terminal {
    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }
    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// One line of ours on stderr (`mr5-backup: running as pos, …`), never on stdout, so
    /// `--json` and Nagios output stay clean.
    static func note(_ message: String) {
        FileHandle.standardError.write(Data("mr5-backup: \(SafeText.forTerminal(message))\n".utf8))
    }

    /// Asks `question [y/N]` on the terminal; only `y`/`yes` confirms. Without a terminal
    /// on stdin it refuses (exit 2): a script must say `--yes` explicitly.
    static func confirm(_ question: String, command: String) throws {
        guard stdinIsTerminal else {
            throw CLIError.usage("\(command) needs confirmation and there is no terminal to ask on: add --yes to confirm")
        }
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        let answer = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            throw CLIError.failed("\(command) cancelled; nothing was changed")
        }
    }
}

/// Turns Ctrl-C and SIGTERM into a cancellation the engine honours (it removes its
/// partial file), instead of killing the process mid-write.
enum Interrupts {
    /// Installs the handlers and returns the flag they set. Handlers run on a global queue.
    static func cancellationFlag(saying message: String = "stopping, removing the partial backup...") -> CancellationFlag {
        let flag = CancellationFlag()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                flag.cancel()
                FileHandle.standardError.write(Data("\nmr5-backup: \(message)\n".utf8))
            }
            source.resume()
            sources.append(source)
        }
        return flag
    }

    /// Kept alive for the life of the process (a released source stops delivering).
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
}
