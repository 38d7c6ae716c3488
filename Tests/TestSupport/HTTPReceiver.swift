import Foundation

/// A real HTTP server on 127.0.0.1 (Python's http.server), started by a test: it records
/// every request (method, path, body) and answers 200, or never answers (`hang`), until
/// stopped. For notification tests: what a webhook or Healthchecks receiver gets.
public final class HTTPReceiver {
    public struct Request: Decodable, Equatable {
        public var method: String
        public var path: String
        public var body: String
    }

    public let port: Int
    public let log: String
    private let child: ChildProcess

    static let script = """
    import http.server, json, sys, time
    log, mode, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    class H(http.server.BaseHTTPRequestHandler):
        def handle_one(self):
            n = int(self.headers.get('Content-Length') or 0)
            body = self.rfile.read(n).decode() if n else ''
            with open(log, 'a') as f:
                f.write(json.dumps({'method': self.command, 'path': self.path, 'body': body}) + '\\n')
            if mode == 'hang':
                time.sleep(3600)
            self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers(); self.wfile.write(b'OK')
        do_GET = handle_one
        do_POST = handle_one
        def log_message(self, *a): pass
    s = http.server.ThreadingHTTPServer(('127.0.0.1', port), H)
    print(s.server_address[1], flush=True)
    s.serve_forever()
    """

    /// Starts it on `port` (0: any free one). `hang` never answers.
    public init(port: Int = 0, hang: Bool = false, log: String) throws {
        self.log = log
        child = try ChildProcess("/usr/bin/python3", ["-c", Self.script, log, hang ? "hang" : "ok", String(port)])
        var found = 0
        _ = child.waitForOutput(timeout: 20) { out in
            found = Int(out.split(separator: "\n").first ?? "") ?? 0
            return found > 0
        }
        guard found > 0 else { child.killHard(); throw CocoaError(.fileReadUnknown) }
        self.port = found
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Every request so far, in order.
    public func requests() -> [Request] {
        guard let data = FileManager.default.contents(atPath: log) else { return [] }
        return data.split(separator: 0x0A).compactMap { try? JSONDecoder().decode(Request.self, from: $0) }
    }

    public func stop() {
        child.killHard()
        _ = child.wait(timeout: 10)
    }

    deinit { stop() }
}
