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

/// The health verdict with every finding that contributed, worst first.
public struct HealthReport: Sendable, Equatable, Codable {
    public var level: HealthLevel
    public var findings: [HealthFinding]

    public init(level: HealthLevel, findings: [HealthFinding]) {
        self.level = level; self.findings = findings
    }

    /// The findings' one-line messages, worst first, e.g. "3 backups failed in a row: database is locked".
    public var reasons: [String] { findings.map(\.message) }

    /// True when a finding of `kind` is among them.
    public func has(_ kind: HealthFinding.Kind) -> Bool { findings.contains { $0.kind == kind } }

    /// `CRITICAL: 3 backups failed in a row: database is locked`.
    public var summary: String {
        reasons.isEmpty ? level.word : "\(level.word): \(reasons.joined(separator: "; "))"
    }
}
