import Foundation
import XCTest

/// The programs `swift build --build-tests` makes, found the same way by every test
/// target: in the folder the running test bundle was built into (so `swift test -c
/// release` tests the release programs), or, when that fails, the package's
/// `.build/debug` or `.build/release`. `MR5_BIN_DIR` names another folder (an
/// installed build).
public enum BuiltProduct: String, CaseIterable, Sendable {
    case backup = "mr5-backup"
    case posSim = "mr5-pos-sim"
    case bench = "mr5-backup-bench"

    /// The folder holding the built programs, nil when none is built.
    public static let directory: String? = {
        var candidates: [String] = []
        if let dir = ProcessInfo.processInfo.environment["MR5_BIN_DIR"], !dir.isEmpty { candidates.append(dir) }
        // Linux: the test runner's folder is the build folder; macOS: the .xctest bundle sits in it.
        let bundle = Bundle.main.bundleURL
        candidates += [bundle.path, bundle.deletingLastPathComponent().path]
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates += ["debug", "release"].map { root.appendingPathComponent(".build/" + $0).path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0 + "/" + BuiltProduct.backup.rawValue) }
    }()

    /// The program's path, nil when it is not built.
    public var path: String? {
        guard let dir = Self.directory else { return nil }
        let path = dir + "/" + rawValue
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    /// The program's path; fails the test (and throws) with what to do when it is not built.
    public func required(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let path else {
            XCTFail("\(rawValue) is not built: run 'swift build --build-tests' first (or set MR5_BIN_DIR)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        return path
    }
}
