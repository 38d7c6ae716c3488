import Foundation

/// A value behind a lock, for state shared between threads. (Where a thread must also wait
/// for a change, an `NSCondition` with its own owner comment is used instead: the clocks'
/// sleepers, the scheduler's wake signal.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with the value, holding the lock; keep it short and never call out.
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body(&value)
    }
}
