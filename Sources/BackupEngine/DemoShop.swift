import CSQLite
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What `DemoShop.create` built.
public struct DemoReport: Sendable, Equatable {
    /// The data dir (absolute).
    public var dataDir: String
    /// The demo's `mr5-pos.db`.
    public var databasePath: String
    /// Size of the database file when the demo was finished.
    public var databaseBytes: Int64
    /// Rows per table in the finished database.
    public var rowCounts: [TableCount]
    /// Backups made through the engine that are still in the folders, newest first.
    public var backups: [String]
    /// Backups the engine's retention removed while the history was played (they show in the history).
    public var pruned: [String]
    /// The PostgreSQL-era `.sql` file placed in `backups/`.
    public var legacyFile: String
    /// Failed attempts written to the history.
    public var failedAttempts: Int
    /// Wall time the whole demo took.
    public var seconds: Double
}

/// A demo shop a newcomer can play with at once: a believable POS database in WAL mode,
/// filled to about `sizeMB`, plus a history made by the real engine at past times
/// (scheduled, manual and pre-update backups, one retention prune, one failed attempt)
/// and one legacy `.sql` file from the PostgreSQL era.
///
/// Lives in the engine so that the CLI, the console tests, the end-to-end tests and the
/// benchmark all build the same shop. Never prints.
public enum DemoShop {
    /// The schema, byte for byte the same as `assets/demo-schema.sql` (a unit test checks
    /// it): SwiftPM resources cannot reach the top-level `assets/` folder, so it is embedded.
    public static let schemaSQL = """
-- The demo shop's database: a small restaurant point of sale, shaped like the
-- mr5-pos app's own tables so that mr5-backup has something believable to protect.
-- Built by `mr5-backup demo`; the same text is embedded in DemoShop.swift.

CREATE TABLE categories (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    sort_order  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    category_id  INTEGER NOT NULL REFERENCES categories(id),
    sku          TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    price_cents  INTEGER NOT NULL CHECK (price_cents >= 0),
    tax_rate     REAL    NOT NULL DEFAULT 0.1,
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT    NOT NULL
);

CREATE TABLE customers (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL,
    email           TEXT,
    phone           TEXT,
    loyalty_points  INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL
);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    order_number    TEXT    NOT NULL UNIQUE,
    customer_id     INTEGER REFERENCES customers(id),
    table_number    INTEGER,
    status          TEXT    NOT NULL CHECK (status IN ('open', 'paid', 'refunded', 'void')),
    subtotal_cents  INTEGER NOT NULL,
    tax_cents       INTEGER NOT NULL,
    total_cents     INTEGER NOT NULL,
    notes           TEXT,
    created_at      TEXT    NOT NULL,
    closed_at       TEXT
);
CREATE INDEX orders_created_at ON orders(created_at);
CREATE INDEX orders_customer ON orders(customer_id);

CREATE TABLE order_items (
    id                INTEGER PRIMARY KEY,
    order_id          INTEGER NOT NULL REFERENCES orders(id),
    product_id        INTEGER NOT NULL REFERENCES products(id),
    quantity          INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_cents  INTEGER NOT NULL,
    line_total_cents  INTEGER NOT NULL,
    note              TEXT
);
CREATE INDEX order_items_order ON order_items(order_id);

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders(id),
    method        TEXT    NOT NULL CHECK (method IN ('cash', 'card', 'voucher')),
    amount_cents  INTEGER NOT NULL,
    reference     TEXT,
    paid_at       TEXT    NOT NULL
);
CREATE INDEX payments_order ON payments(order_id);

-- The app's settings table (key, value, type, category), with the backup defaults of
-- the reference. One deliberate difference: the app shipped backup_frequency 'daily'
-- while its service really ran every 3 hours; the demo says '3h' so that what the
-- setting says and what the scheduler does agree.
CREATE TABLE settings (
    key       TEXT PRIMARY KEY,
    value     TEXT NOT NULL,
    type      TEXT NOT NULL DEFAULT 'string',
    category  TEXT NOT NULL DEFAULT 'general'
);
INSERT INTO settings (key, value, type, category) VALUES
    ('backup_frequency', '3h', 'string', 'backup'),
    ('last_backup', '', 'string', 'backup'),
    ('shop_name', 'Cafe Mr5 (demo)', 'string', 'general'),
    ('currency', 'EUR', 'string', 'general');

"""

    /// The frequency the demo's settings table holds.
    public static let demoFrequency = "3h"

    /// Builds the demo data dir at `dataDir` (created, with parents, if missing).
    /// Refuses with `BackupError.demoDataExists` when a `mr5-pos.db` is already there, so
    /// running it twice never clobbers anything. `now` is the moment the played history
    /// ends; every backup and history entry is dated before it.
    public static func create(at dataDir: String, sizeMB: Int = 20, now: Date = Date()) throws -> DemoReport {
        let t0 = SystemClock().monotonicNanos()
        guard (1...4096).contains(sizeMB) else {
            throw BackupError.invalidArgument("demo size must be between 1 and 4096 MB (--size-mb)")
        }
        let layout = DataLayout(dataDir: dataDir)
        if FileSystem.exists(layout.databasePath) {
            throw BackupError.demoDataExists(path: layout.dataDir)
        }
        if let info = FileSystem.info(layout.dataDir), !info.isDirectory {
            throw BackupError.notARegularFile(path: layout.dataDir)
        }
        do {
            try FileManager.default.createDirectory(atPath: layout.dataDir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw BackupError.io(operation: "create folder", path: layout.dataDir, errno: errno == 0 ? EACCES : errno)
        }

        var generator = DemoGenerator(seed: 0x6D72_3570_6F73)
        let timeline = DemoTimeline(end: now)

        // Built under a temp name and renamed into place only when complete, so an
        // interrupted demo never leaves a half-filled mr5-pos.db that blocks the next try.
        let tmp = layout.dataDir + "/.tmp-demo-\(getpid()).db"
        defer { try? FileSystem.remove(tmp); try? FileSystem.remove(tmp + "-journal") }
        try? FileSystem.remove(tmp)
        let filled = try buildDatabase(at: tmp, targetBytes: Int64(sizeMB) << 20, generator: &generator,
                                       until: timeline.historyStart)
        try FileSystem.fsyncFile(tmp)
        guard try FileSystem.renameNoReplace(tmp, to: layout.databasePath) else {
            throw BackupError.demoDataExists(path: layout.dataDir)
        }

        let clock = ReplayClock(start: timeline.historyStart)
        let engine = BackupEngine(layout: layout, clock: clock)
        try layout.ensureDirectories()
        let legacy = try writeLegacyDump(layout: layout, date: timeline.legacyDate)

        var made: [String] = []
        var pruned: [String] = []
        var failures = 0
        var previous = timeline.historyStart
        for step in timeline.steps {
            try addTrade(databasePath: layout.databasePath, from: previous, to: step.at, ordersPerHour: filled.ordersPerHour,
                         generator: &generator)
            previous = step.at
            clock.set(step.at)
            switch step.action {
            case .backup(let kind, let trigger, let appVersion):
                let result = try engine.createBackup(kind: kind, trigger: trigger, appVersion: appVersion)
                made.append(result.entry.name)
                pruned += result.pruned
            case .lockedFailure(let seconds):
                // What the POS app holding a long write transaction looks like to the scheduler.
                let error = BackupError.databaseLocked(path: layout.databasePath, seconds: seconds)
                engine.record(HistoryEntry(startedAt: step.at, operation: .create, trigger: .scheduler,
                                           outcome: .failure, durationSeconds: Double(seconds),
                                           kind: .scheduled, message: error.description))
                engine.logger.error("Backup failed: \(error.description)")
                failures += 1
            }
        }

        let counts = try BackupInspector.tableCounts(path: layout.databasePath)
        let remaining = Set(engine.listBackups().map(\.name))
        return DemoReport(dataDir: layout.dataDir, databasePath: layout.databasePath,
                          databaseBytes: FileSystem.info(layout.databasePath)?.size ?? 0,
                          rowCounts: counts, backups: made.reversed().filter { remaining.contains($0) },
                          pruned: pruned, legacyFile: legacy, failedAttempts: failures,
                          seconds: Double(SystemClock().monotonicNanos() - t0) / 1e9)
    }

    // MARK: - The database

    /// Fills a new database; returns the trade rate it used, for the orders between backups.
    private static func buildDatabase(at path: String, targetBytes: Int64, generator: inout DemoGenerator,
                                      until end: Date) throws -> (orders: Int, ordersPerHour: Double) {
        let db = try SQLiteDatabase(path: path, mode: .create)
        // A temp file nobody else opens: no journal, no syncs while filling (fsynced after).
        try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;")
        try db.execute(schemaSQL)
        try db.execute("BEGIN")
        try generator.insertCatalog(db)
        // Orders spread over the 18 months before the history starts; the count is only
        // an estimate (about 560 bytes an order with its items, payments and indexes).
        let estimate = max(200, Int(targetBytes / 560))
        let span = 540.0 * 86400
        let orders = try OrderWriter(db: db)
        let pageSize = try db.scalarInt("PRAGMA page_size")
        var written = 0
        var time = end.timeIntervalSince1970 - span
        let step = span / Double(estimate)
        while true {
            try orders.write(at: Int64(time), generator: &generator, recent: false)
            written += 1
            time = min(time + step, end.timeIntervalSince1970 - 60)
            if written % 256 == 0, try db.scalarInt("PRAGMA page_count") * pageSize >= targetBytes { break }
        }
        orders.finish()
        try db.execute("COMMIT")
        try db.execute("PRAGMA journal_mode = WAL")
        return (written, Double(written) / (span / 3600))
    }

    /// Orders taken between two backups, so each backup is a little bigger than the last.
    private static func addTrade(databasePath: String, from: Date, to: Date, ordersPerHour: Double,
                                 generator: inout DemoGenerator) throws {
        // Trade picked up lately: three times the average rate.
        let hours = max(0, to.timeIntervalSince(from) / 3600)
        let count = max(3, Int(hours * ordersPerHour * 3))
        let db = try SQLiteDatabase(path: databasePath, mode: .readWrite)
        try db.execute("BEGIN IMMEDIATE")
        let orders = try OrderWriter(db: db)
        for i in 0..<count {
            let t = from.timeIntervalSince1970 + (to.timeIntervalSince(from) * Double(i + 1) / Double(count + 1))
            try orders.write(at: Int64(t), generator: &generator, recent: true)
        }
        orders.finish()
        // A few loyalty points earned, so pages change as well as grow.
        _ = try db.query("UPDATE customers SET loyalty_points = loyalty_points + 10 WHERE id % 97 = ?",
                         [String(generator.next(97))])
        try db.execute("COMMIT")
    }

    /// The `.sql` dump the PostgreSQL-era service left behind: listed, never restorable.
    private static func writeLegacyDump(layout: DataLayout, date: Date) throws -> String {
        let name = "backup-\(BackupName.stamp(date)).sql"
        let path = layout.backupsDir + "/" + name
        let text = """
        --
        -- PostgreSQL database dump
        --

        -- Dumped from database version 15.4
        -- Dumped by pg_dump version 15.4

        SET statement_timeout = 0;
        SET client_encoding = 'UTF8';

        COPY public.settings (key, value, type, category) FROM stdin;
        backup_frequency\tdaily\tstring\tbackup
        \\.

        --
        -- PostgreSQL database dump complete
        --

        """
        try FileSystem.writeAtomically(Data(text.utf8), to: path)
        var times = [timeval(tv_sec: Int(date.timeIntervalSince1970), tv_usec: 0),
                     timeval(tv_sec: Int(date.timeIntervalSince1970), tv_usec: 0)]
        guard utimes(path, &times) == 0 else { throw BackupError.io(operation: "set time", path: path, errno: errno) }
        return name
    }
}

/// The played history, relative to the demo's end: the backups a shop on a 3-hour
/// schedule would have, with a retry after a locked database.
struct DemoTimeline {
    enum Action {
        case backup(BackupKind, Trigger, appVersion: String?)
        case lockedFailure(seconds: Int)
    }
    struct Step {
        var at: Date
        var action: Action
    }

    let end: Date
    var historyStart: Date { end.addingTimeInterval(-180 * 3600) }
    var legacyDate: Date { end.addingTimeInterval(-12 * 86400 - 2 * 3600) }

    var steps: [Step] {
        func at(_ hours: Double, _ action: Action) -> Step { Step(at: end.addingTimeInterval(-hours * 3600), action: action) }
        return [
            at(170, .backup(.preUpdate, .preUpdate, appVersion: "2.3.0")),
            at(50, .backup(.preUpdate, .preUpdate, appVersion: "2.4.0")),
            at(13, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(10, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(8.75, .backup(.manual, .console, appVersion: nil)),
            at(7, .lockedFailure(seconds: 30)),
            at(7 - 5.0 / 60, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(4, .backup(.scheduled, .scheduler, appVersion: nil)),
            at(2 + 1.0 / 3, .backup(.manual, .cli, appVersion: nil)),
            at(1, .backup(.scheduled, .scheduler, appVersion: nil)),
        ]
    }
}

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

/// One prepared statement, reused for many rows (the demo inserts hundreds of thousands).
final class PreparedStatement {
    private let db: SQLiteDatabase
    private var stmt: OpaquePointer?

    init(_ db: SQLiteDatabase, _ sql: String) throws {
        self.db = db
        let rc = sqlite3_prepare_v2(db.handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, stmt != nil else { throw db.lastError(rc) }
    }

    deinit { sqlite3_finalize(stmt) }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(stmt, index, value) } else { sqlite3_bind_null(stmt, index) }
    }

    func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(stmt, index, value) }

    func bind(_ index: Int32, _ value: String?) {
        if let value { sqlite3_bind_text(stmt, index, value, -1, mr5_sqlite_transient()) } else { sqlite3_bind_null(stmt, index) }
    }

    /// Runs it once and makes it ready for the next row; returns the new rowid.
    @discardableResult
    func run() throws -> Int64 {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE else { throw db.lastError(rc) }
        return sqlite3_last_insert_rowid(db.handle)
    }

    func finalize() {
        sqlite3_finalize(stmt)
        stmt = nil
    }
}

/// Writes one order with its items and payments.
final class OrderWriter {
    private let db: SQLiteDatabase
    private let order: PreparedStatement
    private let item: PreparedStatement
    private let payment: PreparedStatement
    private let total: PreparedStatement
    private var nextNumber: Int64
    private let productCount: Int64
    private let customerCount: Int64

    init(db: SQLiteDatabase) throws {
        self.db = db
        order = try PreparedStatement(db, """
            INSERT INTO orders (order_number, customer_id, table_number, status, subtotal_cents, tax_cents,
                                total_cents, notes, created_at, closed_at)
            VALUES (?, ?, ?, ?, 0, 0, 0, ?, ?, ?)
            """)
        item = try PreparedStatement(db, """
            INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents, line_total_cents, note)
            SELECT ?, id, ?, price_cents, price_cents * ?, ? FROM products WHERE id = ?
            """)
        total = try PreparedStatement(db, """
            UPDATE orders SET subtotal_cents = s, tax_cents = t, total_cents = s + t
            FROM (SELECT sum(line_total_cents) AS s, CAST(round(sum(line_total_cents * p.tax_rate)) AS INTEGER) AS t
                  FROM order_items JOIN products p ON p.id = order_items.product_id WHERE order_id = ?1)
            WHERE id = ?1
            """)
        payment = try PreparedStatement(db, """
            INSERT INTO payments (order_id, method, amount_cents, reference, paid_at)
            SELECT id, ?, CASE ? WHEN 0 THEN total_cents WHEN 1 THEN total_cents / 2 ELSE total_cents - total_cents / 2 END, ?, ?
            FROM orders WHERE id = ?
            """)
        nextNumber = try db.scalarInt("SELECT coalesce(max(id), 0) + 1 FROM orders")
        productCount = try db.scalarInt("SELECT count(*) FROM products")
        customerCount = try db.scalarInt("SELECT count(*) FROM customers")
    }

    func write(at epoch: Int64, generator g: inout DemoGenerator, recent: Bool) throws {
        let number = nextNumber
        nextNumber += 1
        let roll = g.next(100)
        let status = roll < 2 ? "void" : roll < 4 ? "refunded" : "paid"
        let created = DemoGenerator.sqlTime(epoch)
        order.bind(1, "A-" + DemoGenerator.pad(number, 7))
        order.bind(2, g.next(10) < 4 ? Int64(1 + g.next(Int(customerCount))) : nil)
        order.bind(3, g.next(10) < 7 ? Int64(1 + g.next(24)) : nil)
        order.bind(4, status)
        order.bind(5, g.next(8) == 0 ? g.pick(DemoGenerator.orderNotes) : nil)
        order.bind(6, created)
        order.bind(7, DemoGenerator.sqlTime(epoch + Int64(300 + g.next(3000))))
        let id = try order.run()
        for _ in 0..<(1 + g.next(5)) {
            let quantity = Int64(1 + (g.next(6) == 0 ? g.next(3) + 1 : 0))
            item.bind(1, id)
            item.bind(2, quantity)
            item.bind(3, quantity)
            item.bind(4, g.next(12) == 0 ? g.pick(DemoGenerator.itemNotes) : nil)
            item.bind(5, Int64(1 + g.next(Int(productCount))))
            try item.run()
        }
        total.bind(1, id)
        try total.run()
        guard status != "void" else { return }
        let split = g.next(10) == 0
        let method = g.next(10) < 6 ? "card" : g.next(10) == 0 ? "voucher" : "cash"
        for part in 0..<(split ? 2 : 1) {
            let m = part == 1 ? "cash" : method
            payment.bind(1, m)
            payment.bind(2, split ? Int64(part + 1) : 0)
            payment.bind(3, m == "card" ? "TX" + DemoGenerator.pad(Int64(g.next(1_000_000_000)), 10) : nil)
            payment.bind(4, DemoGenerator.sqlTime(epoch + 240))
            payment.bind(5, id)
            try payment.run()
        }
    }

    /// Releases the statements before the connection closes.
    func finish() {
        for s in [order, item, payment, total] { s.finalize() }
    }
}

/// Deterministic made-up shop data (SplitMix64), so every demo looks alike.
struct DemoGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func nextRaw() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 0..<bound.
    mutating func next(_ bound: Int) -> Int { Int(nextRaw() % UInt64(max(1, bound))) }

    mutating func pick(_ list: [String]) -> String { list[next(list.count)] }

    static let menu: [(category: String, items: [(String, Int64)])] = [
        ("Coffee", [("Espresso", 220), ("Double espresso", 300), ("Americano", 280), ("Flat white", 360),
                    ("Cappuccino", 350), ("Latte", 370), ("Mocha", 410), ("Cortado", 320), ("Iced latte", 420)]),
        ("Tea", [("Breakfast tea", 250), ("Earl Grey", 260), ("Green tea", 260), ("Peppermint tea", 260),
                 ("Chai latte", 390), ("Matcha latte", 430)]),
        ("Pastries", [("Croissant", 240), ("Pain au chocolat", 270), ("Cinnamon roll", 320),
                      ("Almond croissant", 340), ("Blueberry muffin", 300), ("Banana bread", 310)]),
        ("Breakfast", [("Full breakfast", 1290), ("Eggs Benedict", 1090), ("Avocado toast", 950),
                       ("Porridge with berries", 690), ("Granola bowl", 720), ("Pancake stack", 890)]),
        ("Sandwiches", [("Ham and cheese toastie", 720), ("BLT", 780), ("Chicken club", 920),
                        ("Falafel wrap", 810), ("Tuna melt", 790), ("Halloumi ciabatta", 860)]),
        ("Salads", [("Caesar salad", 990), ("Greek salad", 920), ("Quinoa bowl", 1050), ("Soup of the day", 650)]),
        ("Mains", [("Cheeseburger", 1390), ("Fish and chips", 1490), ("Mushroom risotto", 1290),
                   ("Chicken curry", 1350), ("Lasagne", 1320), ("Veggie burger", 1290)]),
        ("Desserts", [("Chocolate brownie", 480), ("Carrot cake", 520), ("Cheesecake", 560),
                      ("Apple crumble", 590), ("Ice cream (2 scoops)", 450)]),
        ("Drinks", [("Still water", 200), ("Sparkling water", 220), ("Orange juice", 350), ("Lemonade", 330),
                    ("Cola", 290), ("House wine (glass)", 650), ("Craft beer", 590)]),
    ]

    static let firstNames = ["Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas",
                             "Karin", "Liam", "Maya", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tara",
                             "Umar", "Vera", "Wei", "Yusuf", "Zoe"]
    static let lastNames = ["Adams", "Berger", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hansen", "Ivanova",
                            "Jensen", "Kowalski", "Lopez", "Martin", "Nowak", "Okafor", "Petrov", "Rossi", "Schmidt",
                            "Tanaka", "Urban", "Vogel", "Weber", "Yilmaz", "Zimmer"]
    static let orderNotes = ["table by the window", "birthday - bring a candle", "takeaway", "allergy: nuts",
                             "customer will pay at the counter", "regular, usual order", "delivery to office 3B",
                             "split the bill", "no rush", "gluten free where possible"]
    static let itemNotes = ["no onions", "extra hot", "oat milk", "decaf", "sauce on the side", "well done",
                            "no ice", "extra shot", "to go"]

    mutating func insertCatalog(_ db: SQLiteDatabase) throws {
        let category = try PreparedStatement(db, "INSERT INTO categories (name, sort_order) VALUES (?, ?)")
        let product = try PreparedStatement(db, """
            INSERT INTO products (category_id, sku, name, price_cents, tax_rate, active, created_at)
            VALUES (?, ?, ?, ?, ?, ?, '2024-03-01 09:00:00')
            """)
        var sku: Int64 = 1000
        for (position, group) in DemoGenerator.menu.enumerated() {
            category.bind(1, group.category)
            category.bind(2, Int64(position * 10))
            let categoryID = try category.run()
            for (name, price) in group.items {
                sku += 1
                product.bind(1, categoryID)
                product.bind(2, "SKU-" + String(sku))
                product.bind(3, name)
                product.bind(4, price)
                product.bind(5, group.category == "Drinks" || group.category == "Coffee" ? 0.2 : 0.1)
                product.bind(6, Int64(next(20) == 0 ? 0 : 1))
                try product.run()
            }
        }
        let customer = try PreparedStatement(db, """
            INSERT INTO customers (name, email, phone, loyalty_points, created_at) VALUES (?, ?, ?, ?, ?)
            """)
        for i in 0..<1500 {
            let first = pick(DemoGenerator.firstNames)
            let last = pick(DemoGenerator.lastNames)
            customer.bind(1, first + " " + last)
            customer.bind(2, next(4) == 0 ? nil : (first + "." + last + String(i)).lowercased() + "@example.com")
            customer.bind(3, next(3) == 0 ? nil : "+44 7" + DemoGenerator.pad(Int64(next(1_000_000_000)), 9))
            customer.bind(4, Int64(next(2000)))
            customer.bind(5, DemoGenerator.sqlTime(1_700_000_000 + Int64(i) * 9000))
            try customer.run()
        }
        category.finalize(); product.finalize(); customer.finalize()
    }

    /// `value` as decimal with leading zeros to `width` digits.
    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `2025-10-27 14:30:00` (UTC), computed without a formatter: called for every row.
    static func sqlTime(_ epoch: Int64) -> String {
        let days = epoch >= 0 ? epoch / 86400 : (epoch - 86399) / 86400
        let secs = epoch - days * 86400
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + " "
            + pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2)
    }
}
