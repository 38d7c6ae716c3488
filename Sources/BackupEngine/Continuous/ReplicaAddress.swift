import Foundation

/// Where a replica is, as `continuous init --replica` takes it: a folder on another disk
/// (`/media/usb/mr5`, `file:///media/usb/mr5`) or an S3-compatible bucket
/// (`s3://bucket/path`: MinIO, Ceph, AWS) or an SSH server (`sftp://user@host:port/path`,
/// a NAS). Each terminal writes under `<terminal_id>/<install id>` in it.
public enum ReplicaAddress: Sendable, Equatable {
    case folder(String)
    case s3(bucket: String, path: String)
    case sftp(user: String, host: String, port: Int, path: String)

    public static func parse(_ given: String) -> ReplicaAddress? {
        let text = given.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty, !text.contains(where: { $0.isNewline || $0 == "\0" }) else { return nil }
        if text.hasPrefix("s3://") {
            let rest = text.dropFirst(5)
            let bucket = String(rest.prefix { $0 != "/" })
            // S3's bucket names: 3-63 of lower-case letters, digits, dots and hyphens.
            guard (3...63).contains(bucket.count), bucket.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "." || $0 == "-" }),
                  bucket.first?.isLetter == true || bucket.first?.isNumber == true else { return nil }
            let path = rest.dropFirst(bucket.count).split(separator: "/").joined(separator: "/")
            guard !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return nil }
            return .s3(bucket: bucket, path: path)
        }
        if text.hasPrefix("sftp://") {
            let rest = text.dropFirst(7)
            guard let slash = rest.firstIndex(of: "/"), let at = rest[..<slash].lastIndex(of: "@") else { return nil }
            let user = String(rest[..<at]), hostPort = rest[rest.index(after: at)..<slash]
            var host = String(hostPort), port = 22
            if let colon = hostPort.lastIndex(of: ":") {
                guard let p = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(p) else { return nil }
                host = String(hostPort[..<colon]); port = p
            }
            let path = "/" + rest[slash...].split(separator: "/").joined(separator: "/")
            let plain: (Character) -> Bool = { $0.isLetter || $0.isNumber || "._-".contains($0) }
            // A host name or IPv4 address (Litestream cannot dial an IPv6 one given this way).
            guard !user.isEmpty, user.allSatisfy(plain), !host.isEmpty, host.allSatisfy(plain), path.count > 1,
                  !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return nil }
            return .sftp(user: user, host: host, port: port, path: path)
        }
        guard let folder = ContinuousService.folder(of: text) else { return nil }
        return .folder(folder)
    }

    /// A replica string as it may be said back: a password in it (`user:secret@host`)
    /// never is.
    public static func masked(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
              let colon = text[scheme.upperBound..<at].firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    public var isFolder: Bool { if case .folder = self { return true } else { return false } }

    /// The replica path of one install: a folder's full path, or the key prefix in the bucket.
    func replicaPath(terminal: String, install: String) -> String {
        switch self {
        case .folder(let folder): return folder + "/" + terminal + "/" + install
        case .s3(_, let path): return (path.isEmpty ? "" : path + "/") + terminal + "/" + install
        case .sftp(_, _, _, let path): return path + "/" + terminal + "/" + install
        }
    }

    /// How a person reads where an install replicates: a folder, or `s3://bucket/path`.
    func display(replicaPath: String) -> String {
        switch self {
        case .folder: return replicaPath
        case .s3(let bucket, _): return "s3://" + bucket + "/" + replicaPath
        case .sftp(let user, let host, let port, _): return "sftp://\(user)@\(host):\(port)" + replicaPath
        }
    }
}
