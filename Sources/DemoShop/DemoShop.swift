import BackupEngine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A demo shop a newcomer can play with at once: a believable POS database in WAL mode,
/// filled to about `sizeMB`, plus a history made by the real engine at past times
/// (scheduled, manual and pre-update backups, one retention prune, one failed attempt)
/// and one legacy `.sql` file from the PostgreSQL era.
///
/// Its own library (the engine carries no demo code) so that the CLI, the console tests, the end-to-end tests and the
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
            throw BackupError.demoSizeOutOfRange(sizeMB)
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
        // Metrics once at the end, not after every played backup.
        let engine = BackupEngine(layout: layout, clock: clock, metrics: .none)
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
            case .restoreNewest:
                if let newest = engine.newestVerified(in: engine.listBackups()) {
                    _ = try engine.restore(name: newest.name, trigger: .console)
                }
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

        BackupEngine(layout: layout).refreshMetrics()
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
        let db = try SQLiteConnection(path: path, mode: .create)
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
        let pageSize = try db.int64("PRAGMA page_size")
        var written = 0
        var time = end.timeIntervalSince1970 - span
        let step = span / Double(estimate)
        while true {
            try orders.write(at: Int64(time), generator: &generator, recent: false)
            written += 1
            time = min(time + step, end.timeIntervalSince1970 - 60)
            if written % 256 == 0, try db.int64("PRAGMA page_count") * pageSize >= targetBytes { break }
        }
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
        let db = try SQLiteConnection(path: databasePath, mode: .readWrite)
        try db.execute("BEGIN IMMEDIATE")
        let orders = try OrderWriter(db: db)
        for i in 0..<count {
            let t = from.timeIntervalSince1970 + (to.timeIntervalSince(from) * Double(i + 1) / Double(count + 1))
            try orders.write(at: Int64(t), generator: &generator, recent: true)
        }
        // A few loyalty points earned, so pages change as well as grow.
        try db.run("UPDATE customers SET loyalty_points = loyalty_points + 10 WHERE id % 97 = ?",
                   [.integer(Int64(generator.next(97)))])
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
