/// Whole numbers as people read them: `12,345`, `-1,200`. The one formatter for row and
/// page counts in the CLI, the console and the restore preview (the two it replaces had
/// drifted: one trapped on Int64.min).
public enum NumberText {
    /// `n` with thousands separated by commas, and its sign.
    public static func grouped(_ n: Int64) -> String {
        (n < 0 ? "-" : "") + groupedMagnitude(n)
    }

    /// `|n|` with thousands separated by commas (`magnitude`: never traps, Int64.min included).
    public static func groupedMagnitude(_ n: Int64) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
