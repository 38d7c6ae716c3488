import Foundation

/// Where a replica is, as `continuous init --replica` takes it: a folder on another disk
/// (`/media/usb/mr5`, `file:///media/usb/mr5`) or an S3-compatible bucket
/// (`s3://bucket/path`: MinIO, Ceph, AWS). Each terminal writes under
/// `<terminal_id>/<install id>` in it.
public enum ReplicaAddress: Sendable, Equatable {
    case folder(String)
    case s3(bucket: String, path: String)

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
        guard let folder = ContinuousService.folder(of: text) else { return nil }
        return .folder(folder)
    }

    public var isFolder: Bool { if case .folder = self { return true } else { return false } }

    /// The replica path of one install: a folder's full path, or the key prefix in the bucket.
    func replicaPath(terminal: String, install: String) -> String {
        switch self {
        case .folder(let folder): return folder + "/" + terminal + "/" + install
        case .s3(_, let path): return (path.isEmpty ? "" : path + "/") + terminal + "/" + install
        }
    }

    /// How a person reads where an install replicates: a folder, or `s3://bucket/path`.
    func display(replicaPath: String) -> String {
        switch self {
        case .folder: return replicaPath
        case .s3(let bucket, _): return "s3://" + bucket + "/" + replicaPath
        }
    }
}
