/// The version of mr5-backup: the one place it is set. `mr5-backup --version` prints it,
/// the Debian package takes its version from that output, and every history entry, backup
/// record and metrics file says which version wrote it.
public enum ToolVersion {
    public static let current = "0.2.0"
}
