@testable import BackupEngine
import Foundation
import XCTest

/// Our dates are written and read by hand (a formatter per date was most of the console's
/// idle CPU); they must agree with ISO8601DateFormatter to the millisecond.
final class PreciseDateTests: XCTestCase {
    private func formatter(fractional: Bool) -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return f
    }

    func testWritesWhatTheFormatterWritesAndReadsItBack() throws {
        var generator = SystemRandomNumberGenerator()
        let samples = [0, 951_782_400.5, 1_795_769_136.198, 4_102_444_799.999, -86_400.25]
            + (0..<2000).map { _ in Double(Int64.random(in: 0...4_102_444_800_000, using: &generator)) / 1000 }
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            let text = PreciseDate.string(date)
            XCTAssertEqual(text, formatter(fractional: true).string(from: date), "\(seconds)")
            let back = try XCTUnwrap(PreciseDate.parseUTC(text), text)
            XCTAssertEqual(back.timeIntervalSince1970, seconds, accuracy: 0.0005, text)
            XCTAssertEqual(PreciseDate.string(back), text, "a round trip keeps the text")
        }
    }

    /// Real clock readings carry sub-millisecond parts: written to the nearest millisecond,
    /// as the formatter writes them.
    func testSubMillisecondTimesAreWrittenAsTheFormatterWritesThem() {
        for _ in 0..<2000 {
            let date = Date(timeIntervalSince1970: Double.random(in: 0...4_102_444_800))
            XCTAssertEqual(PreciseDate.string(date), formatter(fractional: true).string(from: date), "\(date.timeIntervalSince1970)")
        }
    }

    func testReadsWholeSecondsOtherOffsetsAndRefusesGarbage() {
        // Impossible dates are not ours: never moved to another day by the hand parser.
        XCTAssertNil(PreciseDate.parseUTC("2026-02-31T00:00:00Z"))
        XCTAssertNil(PreciseDate.parseUTC("2026-11-27T08:45:60Z"))
        XCTAssertEqual(PreciseDate.parse("2026-11-27T08:45:36Z")?.timeIntervalSince1970, 1_795_769_136)
        XCTAssertEqual(PreciseDate.parse("2026-11-27T09:45:36+01:00")?.timeIntervalSince1970, 1_795_769_136, "other forms go to the formatter")
        XCTAssertEqual(PreciseDate.parse("2024-02-29T23:59:59.5Z")?.timeIntervalSince1970, 1_709_251_199.5)
        for bad in ["", "yesterday", "2026-11-27", "2026-13-01T00:00:00Z", "2026-11-27T25:00:00Z", "2026-11-27T08:45:36.Z",
                    "2026-11-27T08:45:36.198"] {
            XCTAssertNil(PreciseDate.parse(bad), bad)
        }
    }
}
