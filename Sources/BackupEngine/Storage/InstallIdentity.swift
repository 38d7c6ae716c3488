import Foundation

/// Which installation this is: a random id made once per data dir, carried by every
/// off-site push (as a tag) and in the continuous replica's path, so two machines under
/// one terminal id are told apart. Kept where off-site copies first kept it
/// (`backups/.meta/offsite/install-id`).
enum InstallIdentity {
    static func path(layout: DataLayout) -> String { layout.metaDir + "/offsite/install-id" }

    /// This installation's id, made on first use (16 hex digits); nil when it cannot be kept.
    static func id(layout: DataLayout) -> String? {
        let path = path(layout: layout)
        if let data = FileSystem.readFile(path) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if text.count == 16, text.allSatisfy(\.isHexDigit) { return text }
        }
        var generator = SystemRandomNumberGenerator()
        let id = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let folder = FileSystem.parent(of: path)
        if !FileSystem.isDirectory(folder) { try? FileSystem.makeDirectory(folder, mode: 0o700) }
        guard (try? FileSystem.writeAtomically(Data((id + "\n").utf8), to: path)) != nil else { return nil }
        return id
    }
}
