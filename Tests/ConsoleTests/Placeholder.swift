import XCTest
final class PlaceholderConsoleTests: XCTestCase { func testNothing() {} }
