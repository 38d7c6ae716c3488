import BackupEngine

/// Every line the CLI prints to stdout goes through here (this module's `print` hides the
/// standard one): strings from data (history messages, table names, backup and file
/// names, receiver errors) reach a technician's terminal with their control characters
/// replaced (`SafeText`), so a planted `ESC[2J`, OSC title or BEL does nothing. Line
/// breaks we print ourselves stay; JSON output already escapes control characters.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    printSafely(items.map { String(describing: $0) }.joined(separator: separator), terminator: terminator)
}

/// The same, by another name, for the types whose own `print` hides this module's.
func printSafely(_ text: String, terminator: String = "\n") {
    Swift.print(SafeText.forTerminal(text, keepingLineBreaks: true), terminator: terminator)
}

/// JSON text with DEL and the C1 controls escaped too (`JSONEncoder` escapes only those
/// below 0x20): `\u009b` is a one-byte CSI on some terminals, and `jq` or `cat` may show
/// the output raw.
func escapingControls(_ json: String) -> String {
    guard json.unicodeScalars.contains(where: { (0x7F...0x9F).contains($0.value) }) else { return json }
    var out = ""
    for scalar in json.unicodeScalars {
        if (0x7F...0x9F).contains(scalar.value) {
            out += String(format: "\\u%04x", scalar.value)
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}
