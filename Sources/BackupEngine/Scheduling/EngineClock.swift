import Foundation

/// Time as the engine and the scheduler see it. Wall-clock time names backups and history
/// entries; monotonic time measures intervals, so a clock jump neither skips nor doubles
/// a scheduled run. Tests and the demo inject `ManualClock`.
public protocol EngineClock: Sendable {
    /// Wall-clock time.
    func now() -> Date
    /// Nanoseconds on a clock that never jumps (CLOCK_MONOTONIC).
    func monotonicNanos() -> UInt64
    /// Sleeps until the monotonic clock reaches `deadline` or `wake` is signalled.
    /// Returns early on a signal; the caller re-checks its state.
    func sleep(untilMonotonic deadline: UInt64, wake: WakeSignal)
    /// Like `sleep(untilMonotonic:wake:)`, but also returns at once if `wake` has been
    /// signalled since its `generation` was `token`: a signal sent between the caller's
    /// last look at its state and this call is never missed.
    func sleep(untilMonotonic deadline: UInt64, wake: WakeSignal, since token: UInt64)
}

extension EngineClock {
    /// For clocks without their own: a signal in the instant between the check and the sleep can be missed.
    public func sleep(untilMonotonic deadline: UInt64, wake: WakeSignal, since token: UInt64) {
        if wake.generation != token { return }
        sleep(untilMonotonic: deadline, wake: wake)
    }
}

/// The real clocks.
public struct SystemClock: EngineClock {
    public init() {}
    public func now() -> Date { Date() }
    public func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
    public func sleep(untilMonotonic deadline: UInt64, wake: WakeSignal) {
        sleep(untilMonotonic: deadline, wake: wake, since: wake.generation)
    }
    public func sleep(untilMonotonic deadline: UInt64, wake: WakeSignal, since token: UInt64) {
        let now = monotonicNanos()
        guard deadline > now else { return }
        wake.wait(nanoseconds: deadline - now, since: token)
    }
}

/// A clock the caller moves by hand. Sleepers wake whenever it is advanced.
/// Owner of its state: an internal lock.
public final class ManualClock: EngineClock, @unchecked Sendable {
    private let condition = NSCondition()
    private var wall: Date
    private var mono: UInt64

    public init(now: Date = Date(timeIntervalSince1970: 1_800_000_000), monotonic: UInt64 = 1_000_000_000) {
        wall = now
        mono = monotonic
    }

    public func now() -> Date {
        condition.lock(); defer { condition.unlock() }
        return wall
    }

    public func monotonicNanos() -> UInt64 {
        condition.lock(); defer { condition.unlock() }
        return mono
    }

    /// Moves both clocks forward.
    public func advance(by seconds: TimeInterval) {
        condition.lock()
        wall = wall.addingTimeInterval(seconds)
        mono += UInt64(seconds * 1_000_000_000)
        condition.broadcast()
        condition.unlock()
    }

    /// Moves only the wall clock (an NTP correction, a technician changing the time).
    public func jumpWallClock(by seconds: TimeInterval) {
        condition.lock()
        wall = wall.addingTimeInterval(seconds)
        condition.broadcast()
        condition.unlock()
    }

    public func sleep(untilMonotonic deadline: UInt64, wake: WakeSignal) {
        sleep(untilMonotonic: deadline, wake: wake, since: wake.generation)
    }

    public func sleep(untilMonotonic deadline: UInt64, wake: WakeSignal, since token: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        while mono < deadline && wake.generation == token {
            _ = condition.wait(until: Date().addingTimeInterval(0.01))
            if wake.generation != token { return }
        }
    }
}

/// Wakes a sleeping thread early (a setting changed, a stop was requested).
/// Owner of its state: an internal condition lock.
public final class WakeSignal: @unchecked Sendable {
    private let condition = NSCondition()
    private var counter: UInt64 = 0

    public init() {}

    /// Increases on every `signal()`.
    public var generation: UInt64 {
        condition.lock(); defer { condition.unlock() }
        return counter
    }

    public func signal() {
        condition.lock()
        counter &+= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Waits up to `nanoseconds` or until signalled.
    public func wait(nanoseconds: UInt64) {
        wait(nanoseconds: nanoseconds, since: generation)
    }

    /// Waits up to `nanoseconds` unless signalled since `generation` was `token`.
    public func wait(nanoseconds: UInt64, since token: UInt64) {
        condition.lock()
        defer { condition.unlock() }
        let start = token
        let deadline = Date().addingTimeInterval(Double(nanoseconds) / 1e9)
        while counter == start {
            if !condition.wait(until: deadline) { return }
        }
    }
}
