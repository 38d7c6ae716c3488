import Foundation

/// Decodes a `JSONTree` with the types' own `Decodable` code, dates in `PreciseDate`'s
/// forms. Anything it does not handle exactly as Foundation's `JSONDecoder` would (a
/// number that does not fit or is not an integer where one is asked for, a Double out of
/// range, `Float`, `Data`, `Decimal`, a type mismatch) throws `Unsupported`,
/// and `StoredJSON` then asks the `JSONDecoder`, so the result never depends on which
/// decoder answered.
struct JSONTreeDecoder: Decoder {
    struct Unsupported: Error {}

    let tree: JSONTree
    /// Not kept: an error from here is never shown (`StoredJSON` then asks `JSONDecoder`,
    /// whose errors carry the path), and building a path per member cost an allocation each.
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(_ tree: JSONTree) { self.tree = tree }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = tree else { throw Unsupported() }
        return KeyedDecodingContainer(Keyed(members: members))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = tree else { throw Unsupported() }
        return Unkeyed(items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(tree: tree) }

    /// The one conversion point from a tree value to a Swift value.
    static func convert<T: Decodable>(_ tree: JSONTree, as type: T.Type) throws -> T {
        switch tree {
        case .string(let s):
            if T.self == String.self { return s as! T }
            if T.self == Date.self {
                guard let d = PreciseDate.parse(s) else { throw Unsupported() }
                return d as! T
            }
        case .number(let text):
            switch number(text, as: T.self) {
            case .value(let v): return v
            case .refused: throw Unsupported()
            case .notANumberType: break
            }
        case .bool(let b):
            if T.self == Bool.self { return b as! T }
        case .null, .array, .object:
            break
        }
        // Types with their own JSON conventions in JSONDecoder.
        if T.self == Data.self || T.self == Decimal.self || T.self == Date.self || T.self == URL.self { throw Unsupported() }
        return try T(from: JSONTreeDecoder(tree))
    }

    /// A primitive asked for by its concrete type (no dynamic casts on the hot path).
    static func primitive(_ tree: JSONTree) throws -> String {
        guard case .string(let s) = tree else { throw Unsupported() }
        return s
    }

    static func primitive(_ tree: JSONTree) throws -> Bool {
        guard case .bool(let b) = tree else { throw Unsupported() }
        return b
    }

    static func primitive(_ tree: JSONTree) throws -> Double {
        guard case .number(let text) = tree, let d = JSONTree.double(text) else { throw Unsupported() }
        return d
    }

    /// Float: JSONDecoder's own range rules decide (none of our files holds one).
    static func primitive(_ tree: JSONTree) throws -> Float { throw Unsupported() }

    static func primitive<N: LosslessStringConvertible>(_ tree: JSONTree) throws -> N {
        guard case .number(let text) = tree, let n = N(text) else { throw Unsupported() }
        return n
    }

    /// A number read as `T`: its value, refused (a number type it does not fit, or Float,
    /// whose rounding is JSONDecoder's to decide), or not a number type at all.
    private enum NumberReading<T> { case value(T), refused, notANumberType }

    private static func number<T>(_ text: String, as type: T.Type) -> NumberReading<T> {
        let read: Any?
        switch type {
        case is Double.Type: read = JSONTree.double(text)
        case is Float.Type: read = nil
        case is Int.Type: read = Int(text)
        case is Int64.Type: read = Int64(text)
        case is Int32.Type: read = Int32(text)
        case is UInt64.Type: read = UInt64(text)
        case is UInt32.Type: read = UInt32(text)
        case is UInt.Type: read = UInt(text)
        case is Int16.Type: read = Int16(text)
        case is UInt16.Type: read = UInt16(text)
        case is Int8.Type: read = Int8(text)
        case is UInt8.Type: read = UInt8(text)
        default: return .notANumberType
        }
        return (read as? T).map { .value($0) } ?? .refused
    }

    private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [String: JSONTree]
        var codingPath: [any CodingKey] { [] }

        var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }
        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        func member(_ key: Key) throws -> JSONTree {
            guard let v = members[key.stringValue] else { throw Unsupported() }
            return v
        }

        func decodeNil(forKey key: Key) throws -> Bool {
            if case .null = try member(key) { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try value(type, key) }

        private func value<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
            try JSONTreeDecoder.convert(try member(key), as: type)
        }

        // The protocol asks for each primitive by name.
        func decode(_ t: Bool.Type, forKey key: Key) throws -> Bool { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: String.Type, forKey key: Key) throws -> String { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: Double.Type, forKey key: Key) throws -> Double { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: Float.Type, forKey key: Key) throws -> Float { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: Int.Type, forKey key: Key) throws -> Int { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: Int8.Type, forKey key: Key) throws -> Int8 { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: Int16.Type, forKey key: Key) throws -> Int16 { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: Int32.Type, forKey key: Key) throws -> Int32 { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: Int64.Type, forKey key: Key) throws -> Int64 { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: UInt.Type, forKey key: Key) throws -> UInt { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: UInt8.Type, forKey key: Key) throws -> UInt8 { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: UInt16.Type, forKey key: Key) throws -> UInt16 { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: UInt32.Type, forKey key: Key) throws -> UInt32 { try JSONTreeDecoder.primitive(try member(key)) }
        func decode(_ t: UInt64.Type, forKey key: Key) throws -> UInt64 { try JSONTreeDecoder.primitive(try member(key)) }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let v = members[key.stringValue] else { return nil }
            if case .null = v { return nil }
            return try JSONTreeDecoder.convert(v, as: type)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONTreeDecoder(try member(key)).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try JSONTreeDecoder(try member(key)).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { throw Unsupported() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Unsupported() }
    }

    private struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONTree]
        var codingPath: [any CodingKey] { [] }
        var currentIndex = 0

        init(items: [JSONTree]) { self.items = items }

        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        mutating func next() throws -> JSONTree {
            guard !isAtEnd else { throw Unsupported() }
            defer { currentIndex += 1 }
            return items[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else { throw Unsupported() }
            if case .null = items[currentIndex] { currentIndex += 1; return true }
            return false
        }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }

        private mutating func value<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONTreeDecoder.convert(try next(), as: type)
        }

        mutating func decode(_ t: Bool.Type) throws -> Bool { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: String.Type) throws -> String { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: Double.Type) throws -> Double { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: Float.Type) throws -> Float { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: Int.Type) throws -> Int { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: Int8.Type) throws -> Int8 { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: Int16.Type) throws -> Int16 { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: Int32.Type) throws -> Int32 { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: Int64.Type) throws -> Int64 { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: UInt.Type) throws -> UInt { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: UInt8.Type) throws -> UInt8 { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: UInt16.Type) throws -> UInt16 { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: UInt32.Type) throws -> UInt32 { try JSONTreeDecoder.primitive(try next()) }
        mutating func decode(_ t: UInt64.Type) throws -> UInt64 { try JSONTreeDecoder.primitive(try next()) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try JSONTreeDecoder(try next()).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try JSONTreeDecoder(try next()).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder { throw Unsupported() }
    }

    private struct Single: SingleValueDecodingContainer {
        let tree: JSONTree
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool {
            if case .null = tree { return true }
            return false
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T { try value(type) }

        private func value<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONTreeDecoder.convert(tree, as: type)
        }

        func decode(_ t: Bool.Type) throws -> Bool { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: String.Type) throws -> String { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: Double.Type) throws -> Double { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: Float.Type) throws -> Float { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: Int.Type) throws -> Int { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: Int8.Type) throws -> Int8 { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: Int16.Type) throws -> Int16 { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: Int32.Type) throws -> Int32 { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: Int64.Type) throws -> Int64 { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: UInt.Type) throws -> UInt { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: UInt8.Type) throws -> UInt8 { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: UInt16.Type) throws -> UInt16 { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: UInt32.Type) throws -> UInt32 { try JSONTreeDecoder.primitive(tree) }
        func decode(_ t: UInt64.Type) throws -> UInt64 { try JSONTreeDecoder.primitive(tree) }
    }
}
