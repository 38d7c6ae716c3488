import BackupEngine
import Foundation

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

    mutating func insertCatalog(_ db: SQLiteConnection) throws {
        let category = try db.prepare("INSERT INTO categories (name, sort_order) VALUES (?, ?)")
        let product = try db.prepare("""
            INSERT INTO products (category_id, sku, name, price_cents, tax_rate, active, created_at)
            VALUES (?, ?, ?, ?, ?, ?, '2024-03-01 09:00:00')
            """)
        var sku: Int64 = 1000
        for (position, group) in DemoGenerator.menu.enumerated() {
            try category.bind(1, group.category)
            try category.bind(2, Int64(position * 10))
            let categoryID = try category.run()
            for (name, price) in group.items {
                sku += 1
                try product.bind(1, categoryID)
                try product.bind(2, "SKU-" + String(sku))
                try product.bind(3, name)
                try product.bind(4, price)
                try product.bind(5, Double(group.category == "Drinks" || group.category == "Coffee" ? 0.2 : 0.1))
                try product.bind(6, Int64(next(20) == 0 ? 0 : 1))
                try product.run()
            }
        }
        let customer = try db.prepare("""
            INSERT INTO customers (name, email, phone, loyalty_points, created_at) VALUES (?, ?, ?, ?, ?)
            """)
        for i in 0..<1500 {
            let first = pick(DemoGenerator.firstNames)
            let last = pick(DemoGenerator.lastNames)
            try customer.bind(1, first + " " + last)
            try customer.bind(2, next(4) == 0 ? nil : (first + "." + last + String(i)).lowercased() + "@example.com")
            try customer.bind(3, next(3) == 0 ? nil : "+44 7" + DemoGenerator.pad(Int64(next(1_000_000_000)), 9))
            try customer.bind(4, Int64(next(2000)))
            try customer.bind(5, DemoGenerator.sqlTime(1_700_000_000 + Int64(i) * 9000))
            try customer.run()
        }
    }

    /// `value` as decimal with leading zeros to `width` digits.
    static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `2025-10-27 14:30:00` (UTC), computed without a formatter: called for every row.
    static func sqlTime(_ epoch: Int64) -> String {
        let t = CivilTime(epochSeconds: epoch)
        return pad(t.year, 4) + "-" + pad(t.month, 2) + "-" + pad(t.day, 2) + " "
            + pad(t.hour, 2) + ":" + pad(t.minute, 2) + ":" + pad(t.second, 2)
    }
}
