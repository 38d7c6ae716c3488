import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends one outbox item: an HTTP request (webhook POST, ping GET) through Foundation's
/// URLSession with TLS verification on, or a command with the event on stdin. Each try is
/// cut off at its limit; the result says what happened in one line.
enum Delivery {
    static let httpLimit: TimeInterval = 10
    static let commandLimit: TimeInterval = 30

    static func send(_ item: NotificationOutbox.Item) -> (ok: Bool, detail: String) {
        switch item.target.kind {
        case .webhook:
            guard let url = URL(string: item.target.target) else { return (false, "not a URL") }
            var request = URLRequest(url: url, timeoutInterval: httpLimit)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try? HistoryLog.encoder.encode(item.event)
            return http(request)
        case .ping:
            guard let url = URL(string: item.target.target + (item.pingSuffix ?? "")) else { return (false, "not a URL") }
            return http(URLRequest(url: url, timeoutInterval: httpLimit))
        case .command:
            return command(item.target.arguments, input: (try? HistoryLog.encoder.encode(item.event)) ?? Data())
        }
    }

    private static func http(_ request: URLRequest) -> (ok: Bool, detail: String) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = httpLimit
        configuration.timeoutIntervalForResource = httpLimit
        let session = URLSession(configuration: configuration)
        defer { session.invalidateAndCancel() }
        let done = DispatchSemaphore(value: 0)
        let result = Locked<(Bool, String)?>(nil)
        let task = session.dataTask(with: request) { _, response, error in
            if let error {
                let timedOut = (error as? URLError)?.code == .timedOut
                result.withLock { $0 = (false, timedOut ? "timed out after \(Int(httpLimit)) s" : OneLine.make(error.localizedDescription, limit: 120)) }
            } else if let http = response as? HTTPURLResponse {
                result.withLock { $0 = ((200..<300).contains(http.statusCode), "HTTP \(http.statusCode)") }
            } else {
                result.withLock { $0 = (false, "no HTTP response") }
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + httpLimit + 1) == .timedOut {
            task.cancel()
            return (false, "timed out after \(Int(httpLimit)) s")
        }
        return result.withLock { $0 } ?? (false, "no result")
    }

    /// A command target: the event's JSON on its stdin, through the one child-process seam
    /// (its own session, no terminal of ours, a time limit).
    private static func command(_ arguments: [String], input: Data) -> (ok: Bool, detail: String) {
        guard let program = arguments.first else { return (false, "no command") }
        let child = ChildProgram(executable: program, arguments: Array(arguments.dropFirst()),
                                 environment: ProcessInfo.processInfo.environment, input: .data(input), timeLimit: commandLimit)
        let result: ChildProgram.Result
        do { result = try child.run() } catch {
            var reason = BackupError(error).description
            if case .system(_, _, let err) = BackupError(error) { reason = err.description }
            return (false, "cannot run \(program): \(OneLine.make(reason, limit: 100))")
        }
        if result.timedOut { return (false, "timed out after \(Int(commandLimit)) s") }
        if result.signalled { return (false, "killed by signal \(result.status)") }
        return result.status == 0 ? (true, "exit 0") : (false, "exit \(result.status)")
    }
}
