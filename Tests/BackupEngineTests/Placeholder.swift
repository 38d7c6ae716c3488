import XCTest
final class PlaceholderBackupEngineTests: XCTestCase { func testNothing() {} }
