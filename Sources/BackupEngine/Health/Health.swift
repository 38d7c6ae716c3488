import Foundation

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
