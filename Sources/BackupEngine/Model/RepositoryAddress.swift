/// What a restic repository string says about where it is, without asking restic.
public enum RepositoryAddress {
    /// The folder of a local repository (`/media/usb/mr5` or `local:/media/usb/mr5`); nil for remote ones.
    public static func localFolder(_ repository: String) -> String? {
        if repository.hasPrefix("/") { return repository }
        if repository.hasPrefix("local:/") { return String(repository.dropFirst(6)) }
        return nil
    }

    /// A new path beside the repository's own (`/media/usb/mr5` → `/media/usb/mr5-SUFFIX`,
    /// `s3:https://host/bucket/shop-12` → `…/shop-12-SUFFIX`); nil when the string names no
    /// path of its own to put one beside (`rest:http://host:8000/`).
    public static func fresh(_ repository: String, suffix: String) -> String? {
        var r = repository
        while r.hasSuffix("/") { r.removeLast() }
        if let scheme = r.range(of: "://"), r[scheme.upperBound...].firstIndex(of: "/") == nil { return nil }
        guard let slash = r.lastIndex(of: "/") else { return nil }
        let last = r[r.index(after: slash)...]
        guard !last.isEmpty, !last.contains(":"), !last.contains("@") else { return nil }
        // An S3 repository that is a whole bucket: a sibling would be a new bucket, which
        // the keys may not be allowed to make.
        if r.hasPrefix("s3:") {
            var rest = r.dropFirst(3)
            if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
            guard rest.split(separator: "/").count >= 3 else { return nil }
        }
        return r + "-" + suffix
    }
}
