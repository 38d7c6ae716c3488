import Foundation

/// Who runs the schedule for a data dir: the process holding `backups/.scheduler.lock`
/// leads; every other instance follows and shows the leader's state file.
enum SchedulerLeadership {
    /// The outcome of one attempt to lead.
    enum Attempt {
        /// We hold the lock now.
        case leader(FileLock)
        /// Someone else does: their state, as far as it can be read.
        case follower(SchedulerSnapshot)
        /// Neither: the folders or the lock cannot be used (the reason, one line).
        case failed(String)
    }

    /// Takes the lock, or reads the holder's state to follow it. `current` is this
    /// instance's snapshot, which a follower keeps where the holder's file says nothing.
    static func attempt(layout: DataLayout, current: SchedulerSnapshot, now: Date) -> Attempt {
        do {
            try layout.ensureDirectories()
            return .leader(try DataDirLock.scheduler.take(layout, for: "scheduler", now: now))
        } catch BackupError.busy {
            return .follower(followerSnapshot(layout: layout, current: current))
        } catch {
            return .failed("cannot start the scheduler: \(BackupError(error).description)")
        }
    }

    /// A follower's view: the holder's state file when it is the holder's, else what we
    /// had, without a next run or progress we cannot know.
    static func followerSnapshot(layout: DataLayout, current: SchedulerSnapshot) -> SchedulerSnapshot {
        let holder = FileLock.holder(at: layout.schedulerLockPath)
        var s = current
        if let file = SchedulerStateFile.read(layout.schedulerStatePath), let holder, file.ownerPid == holder.pid {
            s = file
            s.holderActivity = file.activity
        } else {
            // The holder has not written its state yet (or a dead holder's file is left).
            s.holderActivity = nil
            s.nextRunAt = nil
            s.progressDone = nil; s.progressTotal = nil; s.progressPhase = nil
        }
        s.activity = .heldByOther
        s.ownerPid = holder?.pid
        s.ownerSince = holder?.since
        return s
    }
}
