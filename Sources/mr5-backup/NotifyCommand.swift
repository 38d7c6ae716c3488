import ArgumentParser
import BackupEngine
import Foundation

/// `notify add|remove|list|test|flush`: who hears of failures when nobody is looking.
struct Notify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Notifications: webhooks (Slack, Mattermost...), Healthchecks-style pings and commands.",
        subcommands: [NotifyAdd.self, NotifyRemove.self, NotifyList.self, NotifyTest.self, NotifyFlush.self])
}

extension NotifyTarget.Kind: ExpressibleByArgument {}

struct NotifyAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a target: webhook URL, ping URL, or command (absolute path and its arguments, no shell).")

    @Argument(help: "webhook, ping or command.")
    var kind: NotifyTarget.Kind

    @Argument(help: "The URL, or the command line (e.g. \"/usr/bin/ntfy publish shop-12\").")
    var target: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let added = try engine.addNotifyTarget(NotifyTarget.validated(kind: kind, target: target))
        print(added ? "Added \(NotifyTarget(kind: kind, target: target).display)" : "Already there: \(NotifyTarget(kind: kind, target: target).display)")
    }
}

struct NotifyRemove: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a target (its URL or command line).")

    @Argument(help: "The target as added.")
    var target: String

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        guard let removed = try engine.removeNotifyTarget(target) else {
            throw CLIError.usage("no notification target '\(SecretMask.mask(target))' (see 'mr5-backup notify list')")
        }
        print("Removed \(removed.display)")
    }
}

struct NotifyList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The targets (secrets masked), the outbox and the last delivery.")

    @Flag(help: "Print as JSON.")
    var json = false

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let notifier = engine.notifier
        let targets = notifier.targets()
        if json {
            return try JSONOutput.print(NotifyListJSON(
                targets: targets.map { .init(kind: $0.kind.rawValue, target: SecretMask.mask($0.target)) },
                pending: notifier.pendingCount(), lastDelivery: notifier.lastDelivery().map(NotifyResultJSON.init)))
        }
        if let problem = notifier.targetsProblem() {
            print(problem)
        } else if targets.isEmpty {
            print("No notification targets (add one: mr5-backup notify add webhook|ping|command TARGET)")
        }
        for t in targets { print(t.display) }
        print("\(CLIFormat.count(notifier.pendingCount(), "notification")) waiting" +
              (notifier.lastDelivery().map { "; last delivery: \($0.target) \($0.ok ? "ok" : "failed: " + $0.detail)" } ?? ""))
    }
}

struct NotifyTest: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "test", abstract: "Send a test event to every target now and say how each went.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        guard !engine.notifier.targets().isEmpty else { throw CLIError.usage("no notification targets to test (add one: mr5-backup notify add ...)") }
        _ = engine.notifier.queueTest()
        let results = engine.notifier.deliverPending(trigger: .cli)
        NotifyResultLines.print(results)
        if results.contains(where: { !$0.ok }) { throw ExitCode(ErrorExit.failureCode) }
    }
}

struct NotifyFlush: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "flush", abstract: "Deliver what waits in the outbox now.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let engine = try global.makeEngine()
        let results = engine.notifier.deliverPending(everything: true, trigger: .cli)
        if results.isEmpty {
            let waiting = engine.notifier.pendingCount()
            print(waiting == 0 ? "Nothing waiting" : "Nothing sent: another delivery round is running (\(CLIFormat.count(waiting, "notification")) waiting)")
        }
        NotifyResultLines.print(results)
        if results.contains(where: { !$0.ok }) { throw ExitCode(ErrorExit.failureCode) }
    }
}

/// `webhook https://hooks.slack.com/… ok 212 ms`, `ping https://hc-ping.com/… failed: timed out after 10 s`.
enum NotifyResultLines {
    static func print(_ results: [DeliveryResult]) {
        for r in results {
            printSafely(r.ok ? "\(r.target) ok \(r.milliseconds) ms" : "\(r.target) failed: \(r.detail)")
        }
    }
}

struct NotifyResultJSON: Encodable {
    var target: String
    var ok: Bool
    var detail: String
    var at: Date
    var milliseconds: Int
    init(_ r: DeliveryResult) { target = r.target; ok = r.ok; detail = r.detail; at = r.at; milliseconds = r.milliseconds }
}

struct NotifyListJSON: Encodable {
    struct Target: Encodable { var kind: String; var target: String }
    var targets: [Target]
    var pending: Int
    var lastDelivery: NotifyResultJSON?
}
