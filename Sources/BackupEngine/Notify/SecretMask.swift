import Foundation

/// Masks secrets in URLs: only the scheme and host are shown (`https://hooks.slack.com/…`);
/// tokens live in paths and queries.
public enum SecretMask {
    public static func mask(_ text: String) -> String {
        guard let url = URL(string: text), let scheme = url.scheme, let host = url.host else { return text }
        let port = url.port.map { ":\($0)" } ?? ""
        let hasMore = !(url.path.isEmpty || url.path == "/") || url.query != nil || url.user != nil
        return "\(scheme)://\(host)\(port)" + (hasMore ? "/…" : "")
    }
}
