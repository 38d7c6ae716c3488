import Foundation

/// Overall state in the monitoring-plugin convention (exit codes 0/1/2/3).
public enum HealthLevel: Int, Codable, Sendable, Comparable {
    case ok = 0, warning = 1, critical = 2, unknown = 3

    public var word: String {
        switch self {
        case .ok: return "OK"
        case .warning: return "WARNING"
        case .critical: return "CRITICAL"
        case .unknown: return "UNKNOWN"
        }
    }

    public static func < (a: HealthLevel, b: HealthLevel) -> Bool {
        // UNKNOWN sorts between WARNING and CRITICAL for "worst of" purposes.
        func rank(_ l: HealthLevel) -> Int { [0, 1, 3, 2][l.rawValue] }
        return rank(a) < rank(b)
    }
}
