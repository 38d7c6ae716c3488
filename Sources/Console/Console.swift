import BackupEngine
import Foundation

/// The administration console's entry point, called by the CLI when no subcommand is given.
public enum Console {
    /// Runs the console until the user quits. Returns the process exit code: 0 after `q`,
    /// 2 when there is no usable terminal (a one-line message on stderr says what to use
    /// instead), 128 + the signal number after SIGINT, SIGTERM or SIGHUP.
    /// The terminal is restored on every path.
    public static func run(engine: BackupEngine, options: ConsoleOptions) throws -> Int32 {
        let terminal: CursesTerminal
        do {
            terminal = try CursesTerminal(options: options)
        } catch let error as ConsoleStartError {
            FileHandle.standardError.write(Data(("mr5-backup: " + error.description + "\n").utf8))
            return 2
        }
        let app = ConsoleApp(engine: engine, terminal: terminal, options: options)
        return app.run()
    }
}
