// mr5-pos-sim: a stand-in for the POS app, writing to an SQLite database the way a busy
// till does (small transactions, back to back), so tests and the benchmark can back up
// under a real concurrent writer in another process.
//
// Every transaction moves money between two accounts and logs the transfer, keeping an
// invariant any consistent snapshot satisfies:
//     sum(sim_accounts.balance) == accounts * 1000  and  count(sim_log) == sim_meta.transfers
//
// Usage:
//   mr5-pos-sim init   --db PATH [--journal wal|delete] [--accounts N] [--pad-mb N] [--shop-mb N]
// `--shop-mb N` first fills the database with N MiB of shop data (the demo's tables:
// orders, items, payments; `BulkShop`), so the benchmark measures data shaped like a till's.
//   mr5-pos-sim write  --db PATH [--interval-ms N] [--duration-s N] [--busy-timeout-ms N] [--log-slow-ms N]
//   mr5-pos-sim check  --db PATH
// `write` runs until the duration ends or SIGTERM/SIGINT, then prints one JSON line:
//   {"commits":..,"errors":..,"p50Ms":..,"p99Ms":..,"maxMs":..,"firstError":".."}
import CSQLite
import DemoShop
import Foundation

nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(("mr5-pos-sim: " + message + "\n").data(using: .utf8)!)
    exit(2)
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail("usage: mr5-pos-sim init|write|check --db PATH ...") }
arguments.removeFirst()
var options: [String: String] = [:]
var i = 0
while i < arguments.count {
    let key = arguments[i]
    guard key.hasPrefix("--"), i + 1 < arguments.count else { fail("bad argument \(key)") }
    options[String(key.dropFirst(2))] = arguments[i + 1]
    i += 2
}
guard let dbPath = options["db"] else { fail("--db PATH is required") }

func open(_ path: String, create: Bool, busyMs: Int32) -> OpaquePointer {
    var db: OpaquePointer?
    let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
    guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else { fail("cannot open \(path)") }
    sqlite3_busy_timeout(db, busyMs)
    return db
}

@discardableResult
func exec(_ db: OpaquePointer, _ sql: String) -> Int32 {
    sqlite3_exec(db, sql, nil, nil, nil)
}

func scalar(_ db: OpaquePointer, _ sql: String) -> Int64 {
    var stmt: OpaquePointer?
    guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK else { fail(String(cString: sqlite3_errmsg(db))) }
    defer { sqlite3_finalize(stmt) }
    guard sqlite3_step(stmt) == SQLITE_ROW else { fail(String(cString: sqlite3_errmsg(db))) }
    return sqlite3_column_int64(stmt, 0)
}

switch mode {
case "init":
    if let shopMB = options["shop-mb"].map({ Int($0) ?? -1 }) {
        guard shopMB > 0 else { fail("--shop-mb needs a number of MiB") }
        do { try BulkShop.create(at: dbPath, sizeMB: shopMB, journalMode: options["journal"] ?? "wal") } catch { fail("\(error)") }
    }
    let db = open(dbPath, create: true, busyMs: 5000)
    let accounts = Int(options["accounts"] ?? "100") ?? 100
    let padMB = Int(options["pad-mb"] ?? "0") ?? 0
    exec(db, "PRAGMA journal_mode=\(options["journal"] == "delete" ? "DELETE" : "WAL")")
    exec(db, """
        CREATE TABLE sim_accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
        CREATE TABLE sim_log(id INTEGER PRIMARY KEY, src INTEGER, dst INTEGER, amount INTEGER, at REAL);
        CREATE TABLE sim_meta(k TEXT PRIMARY KEY, v INTEGER);
        CREATE TABLE sim_pad(id INTEGER PRIMARY KEY, data BLOB);
        INSERT INTO sim_meta VALUES('accounts', \(accounts)), ('transfers', 0);
        """)
    exec(db, "BEGIN")
    for a in 0..<accounts { exec(db, "INSERT INTO sim_accounts VALUES(\(a), 1000)") }
    // Padding makes a database of a chosen size so copies take measurable time.
    for _ in 0..<(padMB * 16) { exec(db, "INSERT INTO sim_pad(data) VALUES(randomblob(65000))") }
    exec(db, "COMMIT")
    sqlite3_close(db)

case "check":
    let db = open(dbPath, create: false, busyMs: 5000)
    let accounts = scalar(db, "SELECT v FROM sim_meta WHERE k='accounts'")
    let sum = scalar(db, "SELECT sum(balance) FROM sim_accounts")
    let logged = scalar(db, "SELECT count(*) FROM sim_log")
    let counter = scalar(db, "SELECT v FROM sim_meta WHERE k='transfers'")
    print("{\"sum\":\(sum),\"expected\":\(accounts * 1000),\"logged\":\(logged),\"transfers\":\(counter)}")
    exit(sum == accounts * 1000 && logged == counter ? 0 : 1)

case "write":
    let interval = Double(options["interval-ms"] ?? "5") ?? 5
    let duration = Double(options["duration-s"] ?? "10") ?? 10
    let busy = Int32(options["busy-timeout-ms"] ?? "5000") ?? 5000
    // Commits slower than this are told on stderr with their wall-clock time, to line them
    // up with a backup's phases (`slow <unix seconds> <ms>`).
    let slowMs = Double(options["log-slow-ms"] ?? "") ?? .infinity
    let db = open(dbPath, create: false, busyMs: busy)
    let accounts = scalar(db, "SELECT v FROM sim_meta WHERE k='accounts'")
    signal(SIGTERM) { _ in stopRequested = 1 }
    signal(SIGINT) { _ in stopRequested = 1 }
    var latencies: [Double] = []
    var errors = 0
    var firstError = ""
    let end = Date().addingTimeInterval(duration)
    // Ready marker on stderr so a caller can start measuring once the writer runs.
    FileHandle.standardError.write("ready\n".data(using: .utf8)!)
    while Date() < end && stopRequested == 0 {
        let src = Int64.random(in: 0..<accounts), dst = Int64.random(in: 0..<accounts)
        let amount = Int64.random(in: 1...50)
        let t0 = DispatchTime.now().uptimeNanoseconds
        var rc = exec(db, "BEGIN IMMEDIATE")
        if rc == SQLITE_OK {
            rc = exec(db, """
                UPDATE sim_accounts SET balance = balance - \(amount) WHERE id = \(src);
                UPDATE sim_accounts SET balance = balance + \(amount) WHERE id = \(dst);
                INSERT INTO sim_log(src, dst, amount, at) VALUES(\(src), \(dst), \(amount), julianday('now'));
                UPDATE sim_meta SET v = v + 1 WHERE k = 'transfers';
                """)
            if rc == SQLITE_OK { rc = exec(db, "COMMIT") }
            if rc != SQLITE_OK { exec(db, "ROLLBACK") }
        }
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        if ms > slowMs {
            FileHandle.standardError.write(String(format: "slow %.3f %.1f\n", Date().timeIntervalSince1970 - ms / 1000, ms).data(using: .utf8)!)
        }
        if rc == SQLITE_OK {
            latencies.append(ms)
        } else {
            errors += 1
            if firstError.isEmpty { firstError = String(cString: sqlite3_errmsg(db)) }
        }
        if interval > 0 { usleep(UInt32(interval * 1000)) }
    }
    sqlite3_close(db)
    latencies.sort()
    func pct(_ p: Double) -> Double {
        latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
    }
    let escaped = firstError.replacingOccurrences(of: "\"", with: "'")
    let numbers = String(format: "\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"maxMs\":%.3f", pct(0.5), pct(0.99), latencies.last ?? 0)
    print("{\"commits\":\(latencies.count),\"errors\":\(errors),\(numbers),\"firstError\":\"\(escaped)\"}")

default:
    fail("unknown mode \(mode): use init, write or check")
}
