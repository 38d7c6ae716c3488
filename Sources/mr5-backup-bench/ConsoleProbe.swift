import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a command in a detached tmux session and times how long until a marker shows on
/// its screen (polled with `capture-pane` every 10 ms: each poll starts a shell and a
/// tmux client, which on 2 cores would compete with the program measured), then reads the process's CPU time
/// and peak memory from /proc. One tmux server per probe, killed by `stop()`.
struct ConsoleProbe {
    let work: String
    let socket = "mr5-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    private var tmux: String { "tmux -L \(socket)" }

    /// Milliseconds from starting `command` in session `session` until `marker` appears.
    func firstAppearance(of marker: String, command: String, session: String) throws -> Double {
        let t0 = DispatchTime.now().uptimeNanoseconds
        try BenchProcess.shell("\(tmux) new-session -d -s \(session) -x 120 -y 40 -e LANG=C.UTF-8 \(Benchmark.shq(command))", scratch: work)
        while true {
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
            let screen = try BenchProcess.shell("\(tmux) capture-pane -p -t \(session)", scratch: work)
            if screen.contains(marker) { return elapsed }
            if elapsed > 60_000 { throw BenchError("'\(marker)' did not appear in 60 s; screen: \(screen.prefix(300))") }
            usleep(10_000)
        }
    }

    /// The pid of the program running in `session`'s pane.
    func pid(of session: String) throws -> Int32 {
        let text = try BenchProcess.shell("\(tmux) list-panes -t \(session) -F '#{pane_pid}'", scratch: work)
        guard let pid = Int32(text) else { throw BenchError("no pid for tmux session \(session): \(text)") }
        return pid
    }

    /// Percent of one core the process used over `seconds`.
    func idleCPUPercent(_ pid: Int32, seconds: Double) throws -> Double {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard let before = Benchmark.cpuTicks(pid) else { throw BenchError("process \(pid) went away") }
        usleep(UInt32(seconds * 1_000_000))
        guard let after = Benchmark.cpuTicks(pid) else { throw BenchError("process \(pid) went away") }
        return Double(after - before) / ticks / seconds * 100
    }

    /// Peak resident memory (VmHWM) of a running process.
    static func peakRSSBytes(_ pid: Int32) -> Int64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int64(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb * 1024
    }

    func kill(session: String) {
        _ = try? BenchProcess.shell("\(tmux) kill-session -t \(session) 2>/dev/null", scratch: work)
    }

    func stop() {
        _ = try? BenchProcess.shell("\(tmux) kill-server 2>/dev/null", scratch: work)
    }
}
