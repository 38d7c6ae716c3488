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
