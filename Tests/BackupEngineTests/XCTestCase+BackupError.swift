import BackupEngine
import XCTest

extension XCTestCase {
    /// Asserts that `body` throws a `BackupError` matching `matches`.
    func assertThrowsBackupError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                                    _ matches: (BackupError) -> Bool) {
        do {
            _ = try body()
            XCTFail("expected a BackupError, got success", file: file, line: line)
        } catch let e as BackupError {
            XCTAssertTrue(matches(e), "unexpected error: \(e)", file: file, line: line)
        } catch {
            XCTFail("expected a BackupError, got \(error)", file: file, line: line)
        }
    }
}
