import BackupEngine
import Foundation
import Logging

/// The daemon's log on stderr (the journal under systemd), cleaned like every other line
/// we print: a message quoting data (a table or file name) cannot carry control bytes.
struct SafeStderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?,
             source: String, file: String, function: String, line: UInt) {
        let stamp = ISO8601DateFormatter().string(from: Date())
        FileHandle.standardError.write(Data("\(stamp) \(level) \(label): \(SafeText.forTerminal(message.description))\n".utf8))
    }
}
