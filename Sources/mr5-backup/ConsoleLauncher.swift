import BackupEngine
import Console
import Foundation

/// The one place that knows how to open the console, so the root command does not
/// depend on the Console module's options.
enum ConsoleLauncher {
    /// Runs the console on `engine` until the user quits; returns its exit code
    /// (0 after `q`, 2 when the terminal cannot be used, 128 + signal after a signal).
    static func open(engine: BackupEngine, noColor: Bool = false, ascii: Bool = false, metricsPath: String? = nil) throws -> Int32 {
        let envNoColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        return try Console.run(engine: engine, options: ConsoleOptions(noColor: noColor || envNoColor, asciiOnly: ascii,
                                                                       metricsPath: metricsPath))
    }
}
