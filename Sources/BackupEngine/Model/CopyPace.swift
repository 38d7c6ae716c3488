/// How a copy shares the disk with the POS.
public enum CopyPace: String, Codable, Sendable {
    /// As fast as the disk allows: someone is waiting (a person pressed `c`, an app updater).
    case full
    /// Writer-friendly: nobody waits for a scheduled backup, so it leaves the disk to the
    /// POS's commits (see `WritebackPacer`) and lowers its own I/O priority.
    case polite
}
