/// How the console should draw, from the command line.
public struct ConsoleOptions: Sendable, Equatable {
    /// No colours (also when the `NO_COLOR` environment variable is set and not empty).
    public var noColor: Bool
    /// Plain ASCII lines and symbols even in a UTF-8 locale.
    public var asciiOnly: Bool
    /// How often the list is re-read from the folders, in seconds.
    public var refreshSeconds: Double
    /// Start the scheduler in this process (it follows another process's scheduler if one runs).
    public var runScheduler: Bool
    /// Where its scheduler writes the Prometheus metrics (nil: `logs/mr5_backup.prom`).
    public var metricsPath: String?

    public init(noColor: Bool = false, asciiOnly: Bool = false, refreshSeconds: Double = 2, runScheduler: Bool = true,
                metricsPath: String? = nil) {
        self.noColor = noColor
        self.asciiOnly = asciiOnly
        self.refreshSeconds = refreshSeconds
        self.runScheduler = runScheduler
        self.metricsPath = metricsPath
    }
}
