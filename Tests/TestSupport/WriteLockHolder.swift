import Foundation

/// Another process (a Python sqlite3 connection) holding the database's write lock in
/// exclusive locking mode, as a POS app in a long transaction does: readers and writers
/// wait for it, in WAL mode too. Released when stopped or deinitialised.
public final class WriteLockHolder {
    private let child: ChildProcess

    public init(database: String) throws {
        child = try ChildProcess("/usr/bin/python3", ["-c", """
            import sqlite3, sys, time
            c = sqlite3.connect(sys.argv[1], isolation_level=None)
            c.execute("PRAGMA locking_mode=EXCLUSIVE")
            c.execute("BEGIN EXCLUSIVE")
            c.execute("UPDATE settings SET value = value")
            print("locked", flush=True)
            time.sleep(120)
            """, database])
        guard child.waitForOutput(timeout: 20, { $0.contains("locked") }) else {
            child.killHard()
            throw CocoaError(.fileLocking)
        }
    }

    public func release() {
        child.killHard()
        _ = child.wait(timeout: 10)
    }

    deinit { release() }
}
