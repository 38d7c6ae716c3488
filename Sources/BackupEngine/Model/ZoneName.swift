import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A time zone's short name at a moment, as a technician's clock says it: `UTC`, `CET`,
/// `CEST`, `EST`. The console's "times in ..." and the CLI's column headers use it, and a
/// time on the other side of a daylight-saving change carries its own.
public enum ZoneName {
    /// The process's own zone is named by the C library from tzdata (Foundation on Linux
    /// says `GMT+1` for CET); another zone (a test's) by Foundation; UTC by any of its names
    /// is `UTC`.
    public static func of(_ zone: TimeZone, at date: Date) -> String {
        let utcNames: Set = ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "GMT0"]
        if utcNames.contains(zone.identifier), zone.secondsFromGMT(for: date) == 0 { return "UTC" }
        if zone.identifier == TimeZone.current.identifier {
            var seconds = time_t(date.timeIntervalSince1970)
            var parts = tm()
            var buffer = [CChar](repeating: 0, count: 32)
            if localtime_r(&seconds, &parts) != nil, strftime(&buffer, buffer.count, "%Z", &parts) > 0 {
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return zone.abbreviation(for: date) ?? zone.identifier
    }
}
