import Foundation

/// Chooses when to kill a run so that kills land in every phase of it, however fast or
/// slow the machine is at the moment. A short phase (checking the restored database) is
/// rarely hit by kills spread evenly over the run, and how long each phase takes moves
/// with the load on the machine, so fixed delays would make the test flaky: instead each
/// kill is recorded with the phase its aftermath shows, and kills for a phase not yet hit
/// are drawn between the latest kill seen in an earlier phase and the earliest seen in a
/// later one (a run that had already ended counts as later than every phase).
struct PhaseKillPlan {
    /// What the run is doing in each phase, in the order it goes through them.
    let phases: [String]
    /// Kills that landed, per phase.
    private(set) var landed: [Int]
    private var seen: [(delay: TimeInterval, phase: Int)] = []

    init(phases: [String]) {
        self.phases = phases
        landed = Array(repeating: 0, count: phases.count)
    }

    /// The phase number of a kill that came after the run had ended.
    var ended: Int { phases.count }

    var landedTotal: Int { landed.reduce(0, +) }

    /// The phases no kill has landed in yet, in run order.
    var missing: [Int] { phases.indices.filter { landed[$0] == 0 } }

    /// Records that a kill `delay` s after the start found the run in `phase` (or `ended`).
    mutating func record(delay: TimeInterval, phase: Int) {
        seen.append((delay, phase))
        if phase < ended { landed[phase] += 1 }
    }

    /// A delay likely to land in `phase`, for a run that took about `duration` s when timed.
    func delay(toward phase: Int, duration: TimeInterval) -> TimeInterval {
        let earlier = seen.filter { $0.phase < phase }.map(\.delay).max() ?? 0
        let later = seen.filter { $0.phase > phase }.map(\.delay).min() ?? duration * 1.1
        if earlier < later { return Double.random(in: earlier...later) }
        // The timing moved under load (a later phase was seen sooner than an earlier one):
        // draw around both so the boundary is still sampled.
        return Double.random(in: later * 0.8...earlier * 1.2)
    }

    /// "checking the backup: 3, writing: 7, ...", for messages.
    var summary: String {
        zip(phases, landed).map { "\($0.0): \($0.1)" }.joined(separator: ", ")
    }
}
