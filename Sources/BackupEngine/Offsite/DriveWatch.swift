import Foundation

/// Watches a folder repository's drive while restic writes to it. restic makes the folders
/// it misses, so a drive pulled mid-push would have it write on into the bare mount point
/// (the terminal's own disk), and its retries of the lost lock file keep it running for
/// minutes: the watch stops it as soon as the drive is no longer mounted where it was.
///
/// Owner of its state: a lock; one thread looks, twice a second, until `stop()`.
final class DriveWatch: @unchecked Sendable {
    /// Set when the drive went or the caller cancelled: restic's own flag.
    let flag = CancellationFlag()
    private let lock = NSLock()
    private var gone = false
    private var stopped = false

    /// Starts watching `folder` on `mountPoint`; `outer` (SIGTERM, quit) stops restic too.
    init(folder: String, mountPoint: String, outer: CancellationFlag?) {
        let thread = Thread { [self] in
            while !isStopped {
                if outer?.isCancelled == true { flag.cancel() }
                if FileSystem.mountIdentity(folder)?.mountPoint != mountPoint {
                    lock.lock(); gone = true; lock.unlock()
                    flag.cancel()
                    return
                }
                usleep(500_000)
            }
        }
        thread.name = "mr5-backup drive watch"
        thread.start()
    }

    /// True once the drive was seen gone.
    var driveGone: Bool { lock.lock(); defer { lock.unlock() }; return gone }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    func stop() { lock.lock(); stopped = true; lock.unlock() }
}
