import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the supervisor of Litestream knows: `backups/.meta/continuous/state.json`. Written
/// only by the scheduler that runs Litestream (one per data dir), read by anyone.
public struct ContinuousState: Codable, Sendable, Equatable {
    /// The running Litestream's pid and since when; nil when none runs.
    public var pid: Int32?
    public var startedAt: Date?
    /// Times Litestream ended on its own (died, or refused to go on) and was started again.
    public var restarts: Int = 0
    public var lastExitAt: Date?
    /// Its last words when it ended on its own, or why it was not started (one line).
    public var lastProblem: String?
    /// When the next start may be tried after it ended (1, 2, 4 ... s, at most a minute).
    public var retryAfter: Date?
    /// The last restore drill (weekly, or `continuous drill`).
    public var lastDrill: Drill?
    /// A remote replica's files as last listed (a folder's are read directly).
    public var listing: Listing?

    public struct Listing: Codable, Sendable, Equatable {
        public var at: Date
        /// The newest file of level 0 (the last sync) and the oldest at any level (the window's start).
        public var newest: Date?
        public var oldest: Date?
        public var bytes: Int64
        /// Why the last listing failed (the replica unreachable, the keys refused).
        public var problem: String?
    }

    public struct Drill: Codable, Sendable, Equatable {
        public var at: Date
        public var ok: Bool
        public var message: String
        /// True when what came back was wrong (damaged, or other rows), not merely unreadable.
        public var damaged: Bool = false
    }

    public init() {}

    static func read(_ path: String) -> ContinuousState {
        guard let data = FileSystem.readFile(path),
              let state = try? HistoryLog.decoder.decode(ContinuousState.self, from: data) else { return ContinuousState() }
        return state
    }

    func write(_ path: String) throws {
        try FileSystem.writeAtomically(try MetadataStore.encoder.encode(self), to: path)
    }

    /// True while the recorded Litestream is alive (a killed scheduler leaves a pid behind).
    public var isRunning: Bool {
        guard let pid, kill(pid, 0) == 0 || errno == EPERM else { return false }
        // A pid used again by another program after a crash is not Litestream.
        return ContinuousService.isLitestream(pid)
    }
}
