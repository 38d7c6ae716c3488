import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A system error number with its name, so a message says `EACCES` and the words for it.
public struct Errno: Equatable, Sendable, CustomStringConvertible {
    public let code: Int32

    public init(_ code: Int32) { self.code = code }

    /// The symbolic name for the errno values a backup can meet; "errno N" otherwise.
    public var name: String {
        switch code {
        case EPERM: return "EPERM"
        case ENOENT: return "ENOENT"
        case EIO: return "EIO"
        case EBADF: return "EBADF"
        case EACCES: return "EACCES"
        case EBUSY: return "EBUSY"
        case EEXIST: return "EEXIST"
        case EXDEV: return "EXDEV"
        case ENOTDIR: return "ENOTDIR"
        case EISDIR: return "EISDIR"
        case EINVAL: return "EINVAL"
        case EMFILE: return "EMFILE"
        case ENOSPC: return "ENOSPC"
        case EROFS: return "EROFS"
        case EDQUOT: return "EDQUOT"
        case ENAMETOOLONG: return "ENAMETOOLONG"
        case ELOOP: return "ELOOP"
        default: return "errno \(code)"
        }
    }

    /// Permission problems, which have their own advice (run as the owner).
    public var isPermission: Bool { code == EACCES || code == EPERM }

    /// `Permission denied`, as the C library says it.
    public var description: String { String(cString: strerror(code)) }
}
