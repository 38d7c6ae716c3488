import Foundation

/// Work started on a thread of its own while the caller goes on; `result()` waits for it.
///
/// Used where two steps of one operation read different things and neither needs the
/// other's answer to start (a backup's hash beside its `quick_check`; checking the copy a
/// restore saved while the backup is written in): on two cores they overlap instead of
/// queueing. The caller always waits for the result before its operation ends, so side
/// work never outlives the operation lock.
final class SideWork<Value>: @unchecked Sendable {
    private let finished = DispatchSemaphore(value: 0)
    /// Written once by the worker thread before it signals `finished`; read only after.
    private var outcome: Result<Value, Error>?

    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            outcome = Result { try body() }
            finished.signal()
        }
        // SQLite's checks recurse through b-trees: the main thread's stack size, not a
        // secondary thread's smaller default.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for the work and returns what it returned, or throws what it threw.
    /// Callable more than once.
    func result() throws -> Value {
        finished.wait()
        finished.signal()
        return try outcome!.get()
    }
}
