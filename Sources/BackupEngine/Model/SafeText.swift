/// Text from data (a history message, a table name, a file name) made safe to put on a
/// terminal or in a log: control characters (C0, DEL, C1; ESC starts every cursor move,
/// screen clear and OSC title) become `?`, so a planted name cannot rewrite what a
/// technician sees. The one function the CLI's output, the log and the console use.
public enum SafeText {
    /// `text` with every control character replaced by `?`; with `keepingLineBreaks`,
    /// line feeds and tabs stay (for output that is several lines by design).
    public static func forTerminal(_ text: String, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0, keepingLineBreaks: keepingLineBreaks) }) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(isControl(scalar, keepingLineBreaks: keepingLineBreaks) ? "?" : scalar)
        }
        return String(out)
    }

    /// C0 (below 0x20), DEL and C1 (0x80-0x9F; 0x9B is a one-byte CSI on some terminals).
    public static func isControl(_ scalar: Unicode.Scalar, keepingLineBreaks: Bool = false) -> Bool {
        let v = scalar.value
        if keepingLineBreaks && (v == 0x0A || v == 0x09) { return false }
        return v < 0x20 || (0x7F...0x9F).contains(v)
    }
}
