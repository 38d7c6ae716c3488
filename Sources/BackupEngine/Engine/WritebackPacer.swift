import CSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts kernel writeback of the copy as it grows, instead of leaving it all dirty for one
/// big fsync at the end: on ext4 a commit's fsync in the POS can otherwise wait behind our
/// whole backup being flushed.
///
/// Full pace: `posix_fadvise(DONTNEED)` on each 32 MiB starts asynchronous writeback and
/// does not wait. Polite pace: each 256 KiB chunk is written back and waited for
/// (`sync_file_range`), then the copy pauses for twice as long as that took: the slower
/// the disk is right now, the longer the POS has it to itself (a duty cycle of at most a
/// third, driven by measurement). No pause while a rollback-mode snapshot holds the
/// writers off: there the pause would be the POS's wait.
///
/// The descriptor is closed only after the destination connection is gone (the caller's
/// `defer` runs after `dst` is released), so closing it cannot drop SQLite's locks.
/// Owned by the copying thread.
final class WritebackPacer {
    /// 256 KiB: at 1 GiB the writer's p99 during a polite copy was 4.6 ms with 4 MiB chunks,
    /// 3.1 ms with 1 MiB and 1.3 ms with 256 KiB (idle 1.2-2.2 ms), worst commit 4.8 ms;
    /// the copy takes 16.6 s instead of 11.2 s, and nobody waits for it
    /// (docs/BENCHMARKS.md). A commit that arrives during a chunk's writeback waits for at
    /// most that chunk. An earlier trial that found small chunks worse ran while the
    /// copy's journal-mode switch still flushed the whole file at once.
    static let politeChunkBytes: Int64 = 256 << 10
    /// The pause after each polite chunk: this many times its writeback time, within bounds.
    static let pauseFactor = 2.0
    static let pauseBounds: ClosedRange<Double> = 0.002...0.25

    private var fd: Int32
    private let path: String
    private let everyBytes: Int64
    private let polite: Bool
    private var lastFlushed: Int64 = 0
    var pageSize: Int64 = 4096
    private(set) var pauses = 0
    private(set) var pausedSeconds = 0.0
    /// How a pause is slept (tests count them instead).
    var sleep: (Double) -> Void = { usleep(useconds_t($0 * 1e6)) }

    init(path: String, everyBytes: Int64, polite: Bool = false) {
        fd = (try? FileSystem.openNoFollow(path, O_RDONLY)) ?? -1  // our own temp file: never through a link
        self.path = path
        self.everyBytes = everyBytes
        self.polite = polite
    }

    /// `keepCached`: the copy is about to be read again (the raw copy's locked pass), so
    /// full pace starts writeback without `DONTNEED`, which could drop pages already clean.
    func progress(pagesDone: Int64, writersHeld: Bool = false, keepCached: Bool = false) {
        guard fd >= 0 else { return }
        let bytes = pagesDone * pageSize
        if bytes < lastFlushed { lastFlushed = 0 }   // the copy restarted from page 1
        guard bytes - lastFlushed >= everyBytes else { return }
        if polite && !writersHeld {
            let started = DispatchTime.now().uptimeNanoseconds
            _ = mr5_sync_range(fd, lastFlushed, bytes - lastFlushed)
            let took = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let pause = Self.pause(afterWriteback: took)
            sleep(pause)
            pauses += 1
            pausedSeconds += pause
        } else if keepCached {
            _ = mr5_start_writeback(fd, lastFlushed, bytes - lastFlushed)
        } else {
            _ = posix_fadvise(fd, off_t(lastFlushed), off_t(bytes - lastFlushed), Int32(POSIX_FADV_DONTNEED))
        }
        lastFlushed = bytes
    }

    /// Twice the writeback time, at least 2 ms (the POS gets a turn even on a fast disk)
    /// and at most 250 ms (a slow disk must not stretch a backup without end).
    static func pause(afterWriteback seconds: Double) -> Double {
        min(pauseBounds.upperBound, max(pauseBounds.lowerBound, seconds * pauseFactor))
    }

    /// Writes back what is left below one chunk, politely too.
    func flushRest(pagesDone: Int64) {
        guard polite, fd >= 0, pagesDone * pageSize > lastFlushed else { return }
        let bytes = pagesDone * pageSize
        _ = mr5_sync_range(fd, lastFlushed, bytes - lastFlushed)
        lastFlushed = bytes
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Follows the path to a new file put there (the raw copy's), starting from its first byte.
    func reopen() {
        close()
        fd = (try? FileSystem.openNoFollow(path, O_RDONLY)) ?? -1  // our own temp file: never through a link
        lastFlushed = 0
    }
}
