@testable import BackupEngine
import Foundation
import XCTest

/// What the docs state about defaults, keys, kinds, files and the machine the tests need
/// is the code's: a test fails the day one of them changes without the other.
final class DocumentationTruthTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private func read(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    func testRetentionDefaultsAreTheOnesDocumented() throws {
        let p = RetentionPolicy.standard
        let sentence = "the newest \(p.keepRegular) scheduled/manual backups, the"
        for doc in ["README.md", "docs/operations.md"] {
            let text = try read(doc).replacingOccurrences(of: "\n  ", with: " ").replacingOccurrences(of: "\n", with: " ")
            XCTAssertTrue(text.contains(sentence), "\(doc): \(sentence)")
            XCTAssertTrue(text.contains("last \(p.keepDaily) days and of the last \(p.keepWeekly) weeks"), doc)
            XCTAssertTrue(text.contains("newest \(p.keepPreUpdate) pre-update") || text.contains("newest \(p.keepPreUpdate)  pre-update"), doc)
        }
        let cli = try read("docs/cli.md")
        XCTAssertTrue(cli.contains("| `backup_keep_daily` | also keep the newest backup of each of the last N days, 0-1000; default \(p.keepDaily) |"))
        let offsite = OffsiteConfig(repository: "", options: [], configuredAt: Date())
        XCTAssertTrue(cli.contains("| `offsite_keep_daily` | off-site snapshots kept one a day, 0-1000; default \(offsite.keepDaily) |"))
        XCTAssertTrue(cli.contains("| `offsite_keep_weekly` | off-site snapshots kept one a week, 0-1000; default \(offsite.keepWeekly) |"))
        XCTAssertTrue(cli.contains("| `offsite_keep_monthly` | off-site snapshots kept one a month, 0-1000; default \(offsite.keepMonthly) |"))
    }

    func testEverySettingKeyIsDocumentedAndNoOtherIs() throws {
        let cli = try read("docs/cli.md")
        let documented = Set(cli.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            let key = line.dropFirst(3).prefix { $0 != "`" }
            return key.allSatisfy { $0.isLowercase || $0 == "_" } && key.contains("_") ? String(key) : nil
        })
        for key in SettingKey.allCases {
            XCTAssertTrue(documented.contains(key.rawValue) || cli.contains("`\(key.rawValue)`"), "docs/cli.md does not name \(key.rawValue)")
        }
    }

    func testEveryBackupKindIsDocumented() throws {
        let kinds = BackupKind.allCases.map(\.rawValue)
        for doc in ["docs/cli.md", "docs/scripting.md"] {
            let text = try read(doc)
            for kind in kinds { XCTAssertTrue(text.contains("`\(kind)`"), "\(doc) does not name the kind \(kind)") }
        }
    }

    func testEveryFindingKindIsDocumented() throws {
        let text = try read("docs/scripting.md")
        for kind in HealthFinding.Kind.allCases { XCTAssertTrue(text.contains("`\(kind.rawValue)`"), kind.rawValue) }
    }

    func testTheTestPrerequisitesAreWhatCIInstalls() throws {
        let ci = try read(".ci/run")
        let readme = try read("README.md")
        // Each package `.ci/run` adds to the missing list for the tests, and moto.
        let packages = ci.split(separator: "\n").compactMap { line -> String? in
            guard let r = line.range(of: "missing+=(") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != ")" })
        }
        XCTAssertGreaterThan(packages.count, 8)
        let named: [String: String] = ["util-linux": "util-linux", "libsqlite3-dev": "SQLite", "libncursesw5-dev": "ncursesw"]
        for package in Set(packages) {
            XCTAssertTrue(readme.contains(named[package] ?? package), "README.md's developer section does not name \(package)")
        }
        XCTAssertTrue(ci.contains("moto[server]") && readme.contains("moto[server]"))
    }

    func testArchitectureNamesEveryEngineFile() throws {
        let text = try read("docs/ARCHITECTURE.md")
        let folder = root.appendingPathComponent("Sources/BackupEngine/Engine").path
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) where file.hasPrefix("BackupEngine+") {
            let topic = "+" + file.dropFirst("BackupEngine+".count).dropLast(".swift".count)
            XCTAssertTrue(text.contains("`\(topic)`") || text.contains("`BackupEngine\(topic)`"), "ARCHITECTURE.md does not name \(file)")
        }
    }
}
