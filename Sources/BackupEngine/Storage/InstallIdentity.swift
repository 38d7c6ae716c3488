import Foundation

/// Which installation this is: a random id made once per data dir, carried by every
/// off-site push (as a tag) and in the continuous replica's path, so two machines under
/// one terminal id are told apart. Kept where off-site copies first kept it
/// (`backups/.meta/offsite/install-id`), with the data dir it was made for on its second
/// line: a data dir copied to another folder (a spare made with `cp -a`) is another
/// installation and gets an id of its own, never the original's replica path.
enum InstallIdentity {
    static func path(layout: DataLayout) -> String { layout.metaDir + "/offsite/install-id" }

    /// This installation's id, made on first use (16 hex digits); nil when it cannot be kept.
    static func id(layout: DataLayout) -> String? {
        let path = path(layout: layout)
        let here = folder(layout)
        if let kept = read(layout) {
            if kept.dataDir == here { return kept.id }
            // Made before the data dir was written beside it: adopted as this one's.
            if kept.dataDir == nil, (try? FileSystem.writeAtomically(Data("\(kept.id)\n\(here)\n".utf8), to: path)) != nil { return kept.id }
        }
        var generator = SystemRandomNumberGenerator()
        let id = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let parent = FileSystem.parent(of: path)
        if !FileSystem.isDirectory(parent) { try? FileSystem.makeDirectory(parent, mode: 0o700) }
        guard (try? FileSystem.writeAtomically(Data("\(id)\n\(here)\n".utf8), to: path)) != nil else { return nil }
        return id
    }

    /// The id when one is kept for this very data dir (never made here): nil for none, or
    /// for one a copied data dir brought along.
    static func current(layout: DataLayout) -> String? {
        guard let kept = read(layout), kept.dataDir == nil || kept.dataDir == folder(layout) else { return nil }
        return kept.id
    }

    private static func read(_ layout: DataLayout) -> (id: String, dataDir: String?)? {
        guard let data = FileSystem.readFile(path(layout: layout)) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let id = lines.first, id.count == 16, id.allSatisfy(\.isHexDigit) else { return nil }
        return (id, lines.count > 1 ? lines[1] : nil)
    }

    private static func folder(_ layout: DataLayout) -> String {
        (layout.dataDir as NSString).resolvingSymlinksInPath
    }
}
