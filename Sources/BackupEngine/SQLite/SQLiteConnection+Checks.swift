/// SQLite's own checks, read as lines.
extension SQLiteConnection {
    /// The 16 bytes every SQLite database file starts with; a file without them is not worth opening.
    static let headerMagic = Array("SQLite format 3\0".utf8)

    /// The lines a check pragma (`PRAGMA quick_check(100)`, `integrity_check`) returns; a
    /// check that stops on damage it cannot read past ends with that error as a line.
    func checkLines(_ sql: String) throws -> [String] {
        let statement = try prepare(sql)
        var lines: [String] = []
        do {
            while try statement.step() { if let line = statement.text(0) { lines.append(line) } }
        } catch let error as SQLiteError where error.isCorrupt || error.isNotADatabase {
            lines.append("check stopped: \(error.message)")
        }
        return lines
    }
}
