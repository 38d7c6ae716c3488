/// What a restic repository string says about where it is, without asking restic.
public enum RepositoryAddress {
    /// The folder of a local repository (`/media/usb/mr5` or `local:/media/usb/mr5`); nil for remote ones.
    public static func localFolder(_ repository: String) -> String? {
        if repository.hasPrefix("/") { return repository }
        if repository.hasPrefix("local:/") { return String(repository.dropFirst(6)) }
        return nil
    }
}
