import BackupEngine
import Foundation

/// Writes one order with its items and payments.
final class OrderWriter {
    private let order: SQLiteStatement
    private let item: SQLiteStatement
    private let payment: SQLiteStatement
    private let total: SQLiteStatement
    private var nextNumber: Int64
    private let productCount: Int64
    private let customerCount: Int64

    init(db: SQLiteConnection) throws {
        order = try db.prepare("""
            INSERT INTO orders (order_number, customer_id, table_number, status, subtotal_cents, tax_cents,
                                total_cents, notes, created_at, closed_at)
            VALUES (?, ?, ?, ?, 0, 0, 0, ?, ?, ?)
            """)
        item = try db.prepare("""
            INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents, line_total_cents, note)
            SELECT ?, id, ?, price_cents, price_cents * ?, ? FROM products WHERE id = ?
            """)
        total = try db.prepare("""
            UPDATE orders SET subtotal_cents = s, tax_cents = t, total_cents = s + t
            FROM (SELECT sum(line_total_cents) AS s, CAST(round(sum(line_total_cents * p.tax_rate)) AS INTEGER) AS t
                  FROM order_items JOIN products p ON p.id = order_items.product_id WHERE order_id = ?1)
            WHERE id = ?1
            """)
        payment = try db.prepare("""
            INSERT INTO payments (order_id, method, amount_cents, reference, paid_at)
            SELECT id, ?, CASE ? WHEN 0 THEN total_cents WHEN 1 THEN total_cents / 2 ELSE total_cents - total_cents / 2 END, ?, ?
            FROM orders WHERE id = ?
            """)
        nextNumber = try db.int64("SELECT coalesce(max(id), 0) + 1 FROM orders")
        productCount = try db.int64("SELECT count(*) FROM products")
        customerCount = try db.int64("SELECT count(*) FROM customers")
    }

    func write(at epoch: Int64, generator g: inout DemoGenerator, recent: Bool) throws {
        let number = nextNumber
        nextNumber += 1
        let roll = g.next(100)
        let status = roll < 2 ? "void" : roll < 4 ? "refunded" : "paid"
        let created = DemoGenerator.sqlTime(epoch)
        try order.bind(1, "A-" + DemoGenerator.pad(number, 7))
        try order.bind(2, g.next(10) < 4 ? Int64(1 + g.next(Int(customerCount))) : nil)
        try order.bind(3, g.next(10) < 7 ? Int64(1 + g.next(24)) : nil)
        try order.bind(4, status)
        try order.bind(5, g.next(8) == 0 ? g.pick(DemoGenerator.orderNotes) : nil)
        try order.bind(6, created)
        try order.bind(7, DemoGenerator.sqlTime(epoch + Int64(300 + g.next(3000))))
        let id = try order.run()
        for _ in 0..<(1 + g.next(5)) {
            let quantity = Int64(1 + (g.next(6) == 0 ? g.next(3) + 1 : 0))
            try item.bind(1, id)
            try item.bind(2, quantity)
            try item.bind(3, quantity)
            try item.bind(4, g.next(12) == 0 ? g.pick(DemoGenerator.itemNotes) : nil)
            try item.bind(5, Int64(1 + g.next(Int(productCount))))
            try item.run()
        }
        try total.bind(1, id)
        try total.run()
        guard status != "void" else { return }
        let split = g.next(10) == 0
        let method = g.next(10) < 6 ? "card" : g.next(10) == 0 ? "voucher" : "cash"
        for part in 0..<(split ? 2 : 1) {
            let m = part == 1 ? "cash" : method
            try payment.bind(1, m)
            try payment.bind(2, split ? Int64(part + 1) : 0)
            try payment.bind(3, m == "card" ? "TX" + DemoGenerator.pad(Int64(g.next(1_000_000_000)), 10) : nil)
            try payment.bind(4, DemoGenerator.sqlTime(epoch + 240))
            try payment.bind(5, id)
            try payment.run()
        }
    }
}
