import CLRuntime
import Foundation

/// Wall time of each step of a network pass (forward and backward per layer, the losses added
/// at each layer), measured by finishing the queue after every step. That serialisation slows
/// the run a little; it is for finding where the time goes (`stylize-bench --profile`).
public final class LayerProfile: @unchecked Sendable {
    /// Seconds per step, summed over every pass measured, in the order steps first ran.
    public private(set) var steps: [(name: String, seconds: Double)] = []
    private var index: [String: Int] = [:]
    private var last = Date()
    private let queue: CommandQueue

    public init(queue: CommandQueue) { self.queue = queue }

    /// Starts timing, after what is already queued (an optimizer step, say) has finished.
    func start() throws {
        try queue.finish()
        last = Date()
    }

    /// Charges the time since the last mark to `step`.
    func mark(_ step: String) throws {
        try queue.finish()
        let now = Date()
        if let position = index[step] {
            steps[position].seconds += now.timeIntervalSince(last)
        } else {
            index[step] = steps.count
            steps.append((step, now.timeIntervalSince(last)))
        }
        last = now
    }

    public func reset() {
        steps = []
        index = [:]
    }
}
