import BackupEngine
import Foundation

/// Wall time that starts at a chosen past moment and then runs at real speed, so that
/// backups made through the engine get past names and real durations.
/// Owner of its state: an internal lock.
final class ReplayClock: EngineClock, @unchecked Sendable {
    private let lock = NSLock()
    private var base: Date
    private var baseMono: UInt64
    private let system = SystemClock()

    init(start: Date) {
        base = start
        baseMono = system.monotonicNanos()
    }

    func set(_ date: Date) {
        lock.lock(); defer { lock.unlock() }
        base = date
        baseMono = system.monotonicNanos()
    }

    func now() -> Date {
        lock.lock(); defer { lock.unlock() }
        return base.addingTimeInterval(Double(system.monotonicNanos() - baseMono) / 1e9)
    }

    func monotonicNanos() -> UInt64 { system.monotonicNanos() }

    func sleep(untilMonotonic deadline: UInt64, wake: WakeSignal) { system.sleep(untilMonotonic: deadline, wake: wake) }
}
