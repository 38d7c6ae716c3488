import BackupEngine
import Foundation
import XCTest

/// A temporary folder removed when the test ends.
final class TempDir {
    let path: String

    init(_ label: String = "mr5") {
        let base = FileManager.default.temporaryDirectory.path
        path = base + "/\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
}

/// Where SwiftPM put the built executables (the test bundle sits beside them).
enum BuiltProducts {
    static var directory: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for config in ["debug", "release"] {
            let dir = root.appendingPathComponent(".build/\(config)").path
            if FileManager.default.fileExists(atPath: dir + "/mr5-pos-sim") { return dir }
        }
        return root.appendingPathComponent(".build/debug").path
    }
    static var posSim: String { directory + "/mr5-pos-sim" }
}

/// The outcome of a finished child process.
struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion and captures its output.
@discardableResult
func runProcess(_ executable: String, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return ProcessResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

/// Runs SQL through the stock sqlite3 CLI (a separate process, as the POS app would be).
@discardableResult
func sqlite(_ db: String, _ sql: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let r = try runProcess("/usr/bin/sqlite3", [db, sql])
    if r.status != 0 {
        XCTFail("sqlite3 failed: \(r.stderr)", file: file, line: line)
    }
    return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// A data dir holding a small POS-like database with every kind of schema object:
/// tables, an index, a view, a trigger and an FTS5 table, plus user_version and application_id.
func makeDataDir(_ tmp: TempDir, journal: String = "WAL", rows: Int = 200) throws -> DataLayout {
    let layout = DataLayout(dataDir: tmp.path)
    try sqlite(layout.databasePath, """
        PRAGMA journal_mode=\(journal);
        PRAGMA user_version=42;
        PRAGMA application_id=1297437235;
        CREATE TABLE products(id INTEGER PRIMARY KEY, name TEXT NOT NULL, price_cents INTEGER);
        CREATE TABLE orders(id INTEGER PRIMARY KEY, product_id INTEGER REFERENCES products(id), qty INTEGER, note TEXT);
        CREATE INDEX orders_product ON orders(product_id);
        CREATE VIEW order_totals AS SELECT o.id, o.qty * p.price_cents AS total FROM orders o JOIN products p ON p.id = o.product_id;
        CREATE TABLE audit(id INTEGER PRIMARY KEY, order_id INTEGER);
        CREATE TRIGGER orders_audit AFTER INSERT ON orders BEGIN INSERT INTO audit(order_id) VALUES (new.id); END;
        CREATE VIRTUAL TABLE notes_fts USING fts5(body);
        CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT, type TEXT, category TEXT);
        INSERT INTO settings VALUES ('backup_frequency', '3h', 'string', 'backup'), ('last_backup', '', 'string', 'backup');
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
          INSERT INTO products(name, price_cents) SELECT 'Product ' || i, i * 10 FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
          INSERT INTO orders(product_id, qty, note) SELECT i, i % 7 + 1, 'order ' || i FROM n;
        INSERT INTO notes_fts(body) VALUES ('espresso machine serviced'), ('till drawer stuck');
        """)
    return layout
}

/// A writer process (mr5-pos-sim) committing continuously until stopped.
final class WriterProcess {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()

    init(db: String, intervalMs: Double, durationSeconds: Double = 120, busyTimeoutMs: Int = 5000) throws {
        process.executableURL = URL(fileURLWithPath: BuiltProducts.posSim)
        process.arguments = ["write", "--db", db, "--interval-ms", String(intervalMs),
                             "--duration-s", String(durationSeconds), "--busy-timeout-ms", String(busyTimeoutMs)]
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Wait for "ready" so the backup really overlaps the writes.
        _ = err.fileHandleForReading.availableData
    }

    struct Stats: Decodable {
        var commits: Int
        var errors: Int
        var p50Ms: Double
        var p99Ms: Double
        var maxMs: Double
        var firstError: String
    }

    /// Stops the writer (SIGTERM) and returns what it measured.
    func stop() throws -> Stats {
        process.terminate()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONDecoder().decode(Stats.self, from: data)
    }
}

extension XCTestCase {
    /// Asserts that `body` throws a `BackupError` matching `matches`.
    func assertThrowsBackupError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                                    _ matches: (BackupError) -> Bool) {
        do {
            _ = try body()
            XCTFail("expected a BackupError, got success", file: file, line: line)
        } catch let e as BackupError {
            XCTAssertTrue(matches(e), "unexpected error: \(e)", file: file, line: line)
        } catch {
            XCTFail("expected a BackupError, got \(error)", file: file, line: line)
        }
    }
}
