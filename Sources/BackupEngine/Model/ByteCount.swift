import Foundation

/// Human-readable byte sizes in binary units (KiB, MiB, GiB), the way `ls -h` and the
/// technician's file manager count.
public enum ByteCount {
    /// `1288490188` -> `"1.2 GiB"`; below 1 KiB the exact count: `"512 B"`.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while abs(value) >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        return String(format: abs(value) >= 100 ? "%.0f" : "%.1f", value) + " " + units[unit]
    }
}
