import Foundation
import XCTest

/// What a finished child process did.
public struct ProcessResult: Sendable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String
    /// True when it ran past its time-out and was killed.
    public var timedOut: Bool

    public init(exitCode: Int32, stdout: String, stderr: String, timedOut: Bool = false) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }

    /// Non-empty stderr lines (an error from mr5-backup must be exactly one).
    public var stderrLines: [String] { stderr.split(whereSeparator: \.isNewline).map(String.init) }

    /// stdout parsed as a JSON object; fails the test when it is not one.
    public func json(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
        guard let dict = object as? [String: Any] else {
            XCTFail("stdout is not a JSON object: \(stdout)", file: file, line: line)
            return [:]
        }
        return dict
    }
}
