import Foundation

extension String {
    /// The string with control characters escaped, so a hostile name cannot move the
    /// cursor or clear a technician's terminal when an error message is printed.
    var debugSafe: String {
        var out = ""
        for scalar in unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
