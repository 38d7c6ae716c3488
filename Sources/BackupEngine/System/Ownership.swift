import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who we run as and who owns a path, for permission messages a technician can act on:
/// `permission denied (running as nobody; owned by pos)`.
public enum Ownership {
    /// The user name for a uid, or the number when it has none.
    public static func userName(_ uid: uid_t) -> String {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return String(uid) }
        return String(cString: name)
    }

    public static var currentUser: String { userName(geteuid()) }

    /// The owner of `path` (following links), nil when it cannot be read.
    public static func owner(of path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return userName(st.st_uid)
    }

    /// `running as nobody; owned by pos`.
    public static func describe(_ path: String) -> String {
        "running as \(currentUser)" + (owner(of: path).map { "; owned by \($0)" } ?? "")
    }

    /// True when this process may create and delete files in the folder `dir`.
    public static func canWrite(_ dir: String) -> Bool {
        access(dir, W_OK | X_OK) == 0
    }
}
