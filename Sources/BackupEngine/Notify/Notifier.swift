import Foundation

/// Notifications for a data dir: raised from every recorded attempt, whoever made it,
/// queued in the outbox before any delivery, and delivered with retries for 24 h.
///
/// - A ping target hears every backup: `/start` when it starts, the plain URL when it
///   succeeds, `/fail` when it fails.
/// - Webhook and command targets hear changes of state: a condition (a failure streak, a
///   damaged live database, low disk...) is told once when it appears, again every 24 h
///   while it lasts, and a failure streak's end is told as `backup_recovered`.
/// Delivery never runs under the operation lock and never fails an operation.
public struct Notifier: Sendable {
    let engine: BackupEngine
    static let reminderInterval: TimeInterval = 24 * 3600
    static let giveUpAfter: TimeInterval = 24 * 3600

    var layout: DataLayout { engine.layout }
    private var outbox: NotificationOutbox { NotificationOutbox(path: layout.notifyOutboxPath) }

    /// The targets, kept in `backups/.meta/notify-targets.json` (0600) beside the other
    /// files of ours rather than in the POS database: a locked, damaged or lost database
    /// is exactly when they must still be read.
    ///
    /// A targets file that fails `TrustedFile`'s checks is not used at all (nothing is run
    /// or sent from it; the health rules say CRITICAL with its reason).
    public func targets() -> [NotifyTarget] {
        guard let data = try? TrustedFile.read(layout.notifyTargetsPath, what: Self.targetsFileWhat, dataDir: layout.dataDir),
              let list = try? JSONDecoder().decode([NotifyTarget].self, from: data) else { return [] }
        return list
    }

    /// Why the targets file is there but cannot be read as targets (damaged JSON, a partial
    /// write by hand), nil when it reads or is absent: no target is then used, and the
    /// health rules say so instead of a quiet "no targets".
    public func targetsProblem() -> String? {
        guard let data = try? TrustedFile.read(layout.notifyTargetsPath, what: Self.targetsFileWhat, dataDir: layout.dataDir),
              (try? JSONDecoder().decode([NotifyTarget].self, from: data)) == nil else { return nil }
        return "\(Self.targetsFileWhat) \(layout.notifyTargetsPath) is damaged (not a list of targets): no notification is sent; fix it or add the targets again"
    }

    /// How the targets file is named in refusals and health reasons.
    static let targetsFileWhat = "the notification targets file"

    /// True when this process may deliver: it runs as the data dir's owner (or root on a
    /// data dir root owns). A monitor in the owner's group reads the state and never runs
    /// a command or sends anything on the owner's behalf.
    var mayDeliver: Bool {
        FileSystem.ownerID(layout.dataDir, followingLinks: true) == geteuid()
    }

    func saveTargets(_ list: [NotifyTarget]) throws {
        try layout.ensureDirectories()
        try FileSystem.writeAtomically(try MetadataStore.encoder.encode(list), to: layout.notifyTargetsPath)
    }

    /// Deliveries waiting now.
    public func pendingCount() -> Int { outbox.read().count }

    /// The last delivery, successful or not.
    public func lastDelivery() -> DeliveryResult? { NotificationMemory.read(layout.notifyStatePath).lastDelivery }

    // MARK: - Raising

    /// A backup starts: ping targets hear `/start`, sent beside the copy (a target that
    /// never answers must not hold the backup up).
    func attemptStarted(trigger: Trigger) {
        // Only ping targets hear a start: with none, nothing to send now.
        if enqueuePing("/start", event: event(.test, .ok, "backup started")) { NotificationRound.start(engine, trigger: trigger) }
    }

    /// Called for every recorded attempt (see `BackupEngine.record`).
    func observe(_ entry: HistoryEntry) {
        guard !targets().isEmpty else { return }
        switch (entry.operation, entry.outcome) {
        case (.create, .success), (.preUpdate, .success):
            enqueuePing("", event: event(.test, .ok, entry.message ?? "backup made"))
        case (.create, .failure), (.preUpdate, .failure):
            enqueuePing("/fail", event: event(.backupFailed, .warning, entry.message ?? "backup failed"))
        case (.restore, .success):
            enqueue([event(.restoreDone, .ok, "restored \(entry.backupName ?? "a backup"); the previous database is saved as \(entry.savedCopy ?? "(none)"); restart the POS app",
                           backupName: entry.backupName)])
        case (.verify, .failure):
            enqueue([event(.corruptBackupFound, .warning, "backup \(entry.backupName ?? "?") failed its check: \(entry.message ?? "")",
                           backupName: entry.backupName, error: entry.message)])
        default:
            break
        }
    }

    /// Compares the conditions now with those already told: each new one is raised, each
    /// one still there after 24 h is raised again, and a failure streak that ended is
    /// raised as recovered. Called after every attempt and by the scheduler's ticks.
    public func evaluateConditions(now: Date? = nil, schedulerRunning: Bool? = nil) {
        guard !targets().isEmpty else { return }
        let now = now ?? engine.clock.now()
        let health = HealthEvaluator.evaluate(engine: engine, snapshot: SchedulerStateFile.activeSnapshot(layout: layout, now: now), now: now)
        var conditions: [NotifyEvent.Name: NotifyEvent] = [:]
        let summary = BackupHistorySummary(history: engine.history())
        if summary.consecutiveFailures > 0 {
            conditions[.backupFailed] = event(.backupFailed, health.level, "\(summary.consecutiveFailures) backup\(summary.consecutiveFailures == 1 ? "" : "s") failed in a row: \(summary.lastError ?? "")",
                                              error: summary.lastError, reasons: health.reasons)
        }
        for finding in health.findings {
            if let name = Self.event(for: finding.kind), conditions[name] == nil {
                conditions[name] = event(name, health.level, finding.message, backupName: finding.backupName, reasons: health.reasons)
            }
        }

        let memoryPath = layout.notifyStatePath
        withNotifyLock {
            var memory = NotificationMemory.read(memoryPath)
            var raised: [NotifyEvent] = []
            for (name, event) in conditions.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                if let told = memory.active[name.rawValue], now.timeIntervalSince(told) < Self.reminderInterval { continue }
                raised.append(event)
                memory.active[name.rawValue] = now
            }
            for (name, _) in memory.active where conditions[NotifyEvent.Name(rawValue: name) ?? .test] == nil {
                memory.active[name] = nil
                if name == NotifyEvent.Name.backupFailed.rawValue {
                    raised.append(event(.backupRecovered, health.level, "backups work again: \(summary.lastSuccessName ?? "a backup") was made"))
                }
                if name == NotifyEvent.Name.continuousFailed.rawValue {
                    raised.append(event(.continuousRecovered, health.level, "continuous protection works again: the replica has the newest commit"))
                }
                if name == NotifyEvent.Name.offsiteDamaged.rawValue {
                    raised.append(event(.offsiteRecovered, health.level, "the off-site repository checks whole again: a check read all of its data"))
                }
                if name == NotifyEvent.Name.offsiteFailed.rawValue {
                    let s = engine.offsite.state()
                    raised.append(event(.offsiteRecovered, health.level, "off-site copies work again" + (s.lastPushSnapshot.map { ": snapshot \($0) of \(s.lastPushBackup ?? "a backup") was pushed" } ?? "")))
                }
            }
            try? memory.write(memoryPath)
            appendToOutbox(raised, pingSuffix: nil)
        }
    }

    /// The notification a kind of health finding raises, nil for those told only through
    /// `status` and the console (a failure streak is raised from the history above, with
    /// its count and error). The compiler checks that every kind is decided here.
    static func event(for kind: HealthFinding.Kind) -> NotifyEvent.Name? {
        switch kind {
        case .liveDatabaseDamaged: return .liveDBDamaged
        case .liveDatabaseMissing: return .liveDBMissing
        case .backupOverdue: return .backupOverdue
        case .diskLow: return .diskLow
        case .sizeAnomaly: return .sizeAnomaly
        case .corruptBackups: return .corruptBackupFound
        case .schedulerStopped: return .schedulerStopped
        case .offsiteDamaged: return .offsiteDamaged
        case .continuousNotInstalled, .continuousNotRunning, .continuousLagging, .continuousDrillFailed: return .continuousFailed
        case .offsiteNotInstalled, .offsiteCheckNotRun, .offsitePushesFailing, .offsiteTerminalShared, .offsiteFilesMissing: return .offsiteFailed
        case .unreadable, .untrustedFile, .liveDatabaseHotJournal, .liveDatabaseUnreadable, .noVerifiedBackup,
             .backupDatedAfterNow, .verifyPending, .liveDatabaseLocked, .readOnlyFileSystem, .notifyTargetsDamaged, .backupsFailing, .scheduleOff:
            return nil
        }
    }

    /// Queues events raised elsewhere (the fleet's watch) for every webhook and command target.
    public func raise(_ events: [NotifyEvent]) {
        guard !events.isEmpty else { return }
        enqueue(events)
    }

    /// Queues a test event for every target (`notify test`).
    public func queueTest() -> NotifyEvent {
        let e = event(.test, .ok, "test notification from mr5-backup")
        withNotifyLock { appendToOutbox([e], pingSuffix: nil, includingPings: true) }
        return e
    }

    private func event(_ name: NotifyEvent.Name, _ severity: HealthLevel, _ message: String, backupName: String? = nil,
                       error: String? = nil, reasons: [String]? = nil) -> NotifyEvent {
        NotifyEvent(event: name, severity: severity, terminal: engine.terminalID, dataDir: layout.dataDir,
                    time: engine.clock.now(), message: message, backupName: backupName, error: error, reasons: reasons)
    }

    private func enqueue(_ events: [NotifyEvent]) {
        withNotifyLock { appendToOutbox(events, pingSuffix: nil) }
    }

    /// Queues the ping for every ping target; false when there is none.
    @discardableResult
    private func enqueuePing(_ suffix: String, event: NotifyEvent) -> Bool {
        let pings = targets().filter { $0.kind == .ping }
        guard !pings.isEmpty else { return false }
        withNotifyLock {
            var items = outbox.read()
            for target in pings {
                items.append(.init(event: event, target: target, pingSuffix: suffix, queuedAt: event.time, attempts: 0,
                                   nextAttemptAt: event.time, lastError: nil))
            }
            writeOutbox(items)
        }
        return true
    }

    /// Webhook and command targets get events; ping targets only pings (or a test).
    private func appendToOutbox(_ events: [NotifyEvent], pingSuffix: String?, includingPings: Bool = false) {
        guard !events.isEmpty else { return }
        var items = outbox.read()
        for event in events {
            for target in targets() where target.kind != .ping || includingPings {
                items.append(.init(event: event, target: target, pingSuffix: target.kind == .ping ? "" : pingSuffix,
                                   queuedAt: event.time, attempts: 0, nextAttemptAt: event.time, lastError: nil))
            }
        }
        writeOutbox(items)
    }

    private func writeOutbox(_ items: [NotificationOutbox.Item]) {
        do { try outbox.write(items) } catch {
            engine.logger.error("Could not write the notification outbox: \(BackupError(error).description)")
        }
    }

    // MARK: - Delivering

    /// Delivers what is due, oldest first, each try cut off at its limit; a target that
    /// fails keeps its later items for the next round (their order is kept). Every
    /// delivery and failure goes to the history. Returns the results of this round.
    @discardableResult
    /// `everything`: what waits too, retries not yet due included (`notify flush`: a
    /// person asked for it now). `trigger`: who sent it, for the history.
    public func deliverPending(now: Date? = nil, everything: Bool = false, trigger: Trigger = .scheduler) -> [DeliveryResult] {
        let now = now ?? engine.clock.now()
        // Nothing waiting: touch nothing (a refused command changes no file).
        guard FileSystem.exists(layout.notifyOutboxPath), !outbox.read().isEmpty else { return [] }
        // One delivery round at a time across processes (the daemon's and a command's), so
        // nothing is sent twice; a round that finds another one running leaves it to it.
        guard let round = try? DataDirLock.notifyDelivery.take(layout, for: "notify", now: now) else { return [] }
        defer { round.release() }
        guard mayDeliver else { return [] }
        var due: [NotificationOutbox.Item] = []
        // Only the targets file says what is run or called: an outbox line naming a target
        // that is not in it (a command written into the outbox by hand) is dropped.
        let known = targets()
        withNotifyLock {
            let items = outbox.read()
            let kept = items.filter { known.contains($0.target) }
            if kept.count != items.count {
                for item in items where !known.contains(item.target) {
                    engine.logger.warning("Dropped a waiting notification for \(item.target.display): that target is not in the notification targets file")
                }
                writeOutbox(kept)
            }
            // Oldest first, whatever order the outbox was written in.
            due = kept.filter { everything || $0.nextAttemptAt <= now }.sorted { $0.queuedAt < $1.queuedAt }
        }
        guard !due.isEmpty else { return [] }
        var results: [DeliveryResult] = []
        var failedTargets = Set<String>()
        var done: [String] = [], failed: [String: String] = [:]
        for item in due {
            let key = item.target.kind.rawValue + " " + item.target.target
            if failedTargets.contains(key) { continue }
            let started = Date()
            let (ok, detail) = Delivery.send(item)
            let ms = Int(Date().timeIntervalSince(started) * 1000)
            let result = DeliveryResult(target: item.target.display, ok: ok, detail: detail, at: engine.clock.now(), milliseconds: ms)
            results.append(result)
            let what = item.pingSuffix.map { "ping\($0.isEmpty ? "" : " " + $0)" } ?? item.event.event.rawValue
            let message = "\(item.target.display) \(what): " + (ok ? "delivered (\(detail), \(ms) ms)" : "failed: \(detail)")
            engine.recordNotification(HistoryEntry(startedAt: result.at, operation: .notify, trigger: trigger,
                                                   outcome: ok ? .success : .failure, durationSeconds: Double(ms) / 1000,
                                                   message: message))
            let id = item.event.id + key + (item.pingSuffix ?? "")
            if ok { done.append(id) } else { failed[id] = detail; failedTargets.insert(key) }
        }
        withNotifyLock {
            var items: [NotificationOutbox.Item] = []
            for var item in outbox.read() {
                let id = item.event.id + item.target.kind.rawValue + " " + item.target.target + (item.pingSuffix ?? "")
                if done.contains(id) { continue }
                if let error = failed[id] {
                    item.attempts += 1
                    item.lastError = error
                    if now.timeIntervalSince(item.queuedAt) > Self.giveUpAfter {
                        engine.recordNotification(HistoryEntry(startedAt: now, operation: .notify, trigger: trigger, outcome: .failure,
                                                               durationSeconds: 0, message: "\(item.target.display) \(item.event.event.rawValue): gave up after 24 h: \(error)"))
                        continue
                    }
                    // 1, 2, 4 ... minutes, at most an hour.
                    item.nextAttemptAt = now.addingTimeInterval(min(3600, 60 * pow(2, Double(min(item.attempts - 1, 6)))))
                }
                items.append(item)
            }
            writeOutbox(items)
            var memory = NotificationMemory.read(layout.notifyStatePath)
            memory.lastDelivery = results.last
            try? memory.write(layout.notifyStatePath)
        }
        return results
    }

    /// Runs `body` holding `logs/.notify.lock` (waiting a few seconds for another process).
    private func withNotifyLock(_ body: () -> Void) {
        guard FileSystem.isDirectory(layout.logsDir) || (try? FileSystem.makeDirectory(layout.logsDir, mode: 0o700)) != nil else { return }
        let lock: FileLock
        do { lock = try DataDirLock.notify.take(layout, for: "notify", now: engine.clock.now(), wait: 5) } catch BackupError.busy {
            engine.logger.warning("Notifications skipped this time: the notification lock is busy")
            return
        } catch {
            engine.logger.error("Notifications skipped: \(BackupError(error).description)")
            return
        }
        defer { lock.release() }
        body()
    }
}
