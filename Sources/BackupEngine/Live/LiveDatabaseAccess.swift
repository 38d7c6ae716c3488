import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How to open the live database for reading.
enum LiveDatabaseAccess {
    /// Read-only, except in one case SQLite cannot read that way: a WAL database whose
    /// folder this user cannot write and that has no `-wal` file (SQLite would have to
    /// create the WAL index). Nobody is writing it then (a writer would have made the
    /// `-wal`), so it is read as an unchanging file (`immutable=1`).
    static func readMode(_ path: String) -> SQLiteConnection.Mode {
        let folder = FileSystem.parent(of: path)
        guard !Ownership.canWrite(folder), !FileSystem.exists(path + "-wal"), isWALFile(path) else { return .readOnly }
        return .immutable
    }

    /// Header bytes 18-19 are 2 in a WAL database.
    private static func isWALFile(_ path: String) -> Bool {
        guard let bytes = try? FileSystem.readHeader(path, count: 20), bytes.count == 20 else { return false }
        return bytes[18] == 2 && bytes[19] == 2
    }
}
