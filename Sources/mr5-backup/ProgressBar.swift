import BackupEngine
import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal, so logs and
/// pipes get nothing extra.
/// Owner of its state: an internal lock (the engine calls the handler on its working thread).
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private var lastDraw: UInt64 = 0
    private var lastPhase: BackupProgress.Phase?
    private var drawn = false
    private static let width = 30

    private init(label: String) { self.label = label }

    /// A bar, or nil when stderr is not a terminal.
    static func make(_ label: String) -> ProgressBar? {
        Terminal.stderrIsTerminal ? ProgressBar(label: label) : nil
    }

    /// The handler to pass to the engine.
    var handler: ProgressHandler { { [self] progress in self.update(progress) } }

    func update(_ p: BackupProgress) {
        lock.lock(); defer { lock.unlock() }
        let now = SystemClock().monotonicNanos()
        // At most 10 redraws a second, but always on a phase change and at 100 %.
        guard p.phase != lastPhase || now - lastDraw > 100_000_000 || (p.total > 0 && p.done >= p.total) else { return }
        lastDraw = now
        lastPhase = p.phase
        let filled = Int(p.fraction * Double(ProgressBar.width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: ProgressBar.width - filled)
        var text = "\r\u{1B}[2K\(label): \(ProgressBar.phaseWord(p.phase)) [\(bar)]"
        if p.total > 0 {
            text += " \(Int(p.fraction * 100))%"
            switch p.phase {
            case .hashing: text += " \(ByteCount.format(p.done))/\(ByteCount.format(p.total))"
            case .checking: break
            default: text += " \(p.done)/\(p.total) pages"
            }
            if p.polite && p.phase == .copying { text += " " + BackupProgress.politeNote }
        }
        FileHandle.standardError.write(Data(text.utf8))
        drawn = true
    }

    /// Clears the line so the result prints on a clean line.
    func finish() {
        lock.lock(); defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        drawn = false
    }

    private static func phaseWord(_ phase: BackupProgress.Phase) -> String {
        switch phase {
        case .copying: return "copying"
        case .checking: return "checking"
        case .hashing: return "hashing"
        case .savingCurrent: return "saving current database"
        case .restoring: return "restoring"
        }
    }
}
