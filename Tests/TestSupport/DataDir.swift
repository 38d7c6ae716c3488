import BackupEngine
import Foundation

/// A data dir in `tmp` holding a small POS-like database with every kind of schema
/// object (tables, an index, a view, a trigger, an FTS5 table, user_version and
/// application_id), made by the stock sqlite3 so the engine reads a file it did not write.
public func makeDataDir(_ tmp: TempDir, journal: String = "WAL", rows: Int = 200) throws -> DataLayout {
    let layout = DataLayout(dataDir: tmp.path)
    try sqlite3(layout.databasePath, """
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
