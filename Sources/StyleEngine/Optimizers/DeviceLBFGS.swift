import CLRuntime

/// L-BFGS as the spec defines it (PyTorch's `LBFGS(max_iter=1)` stepped once per iteration):
/// learning rate `learningRate`, no line search, first step scaled by min(1, 1/‖g‖₁),
/// curvature pairs skipped when yᵀs ≤ 1e-10, inverse-Hessian seed yᵀs/yᵀy of the newest pair.
///
/// The history (m pairs plus one candidate slot) and every coefficient of the two-loop
/// recursion stay on the device; the host reads only yᵀs, yᵀy and ‖g‖₁ to decide.
public final class DeviceLBFGS: DeviceOptimizer, @unchecked Sendable {
    public let historySize: Int
    public let learningRate: Float
    let library: KernelLibrary
    let scalars: DeviceScalars
    let count: Int
    private let previousGradient: Buffer<Float>
    private let direction: Buffer<Float>
    private let y: [Buffer<Float>]
    private let s: [Buffer<Float>]
    /// Accepted pairs' ring slots, oldest first; `candidate` is the slot the next pair fills.
    private var accepted: [Int] = []
    private var candidate = 0
    private var iteration = 0
    // Scalar slots.
    private let ysSlot, yySlot, gradientNormSlot, hDiagSlot, temporarySlot, betaSlot, rhoSlot, alphaSlot: Int

    public init(library: KernelLibrary, scalars: DeviceScalars, count: Int, historySize: Int = 100, learningRate: Float = 1)
        throws
    {
        precondition(historySize >= 1)
        self.library = library
        self.scalars = scalars
        self.count = count
        self.historySize = historySize
        self.learningRate = learningRate
        let gpu = library.gpu
        previousGradient = try gpu.buffer(Float.self, count: count)
        direction = try gpu.buffer(Float.self, count: count)
        y = try (0...historySize).map { _ in try gpu.buffer(Float.self, count: count) }
        s = try (0...historySize).map { _ in try gpu.buffer(Float.self, count: count) }
        let base = try scalars.reserve(6 + 2 * (historySize + 1))
        (ysSlot, yySlot, gradientNormSlot, hDiagSlot, temporarySlot, betaSlot) =
            (base, base + 1, base + 2, base + 3, base + 4, base + 5)
        rhoSlot = base + 6
        alphaSlot = rhoSlot + historySize + 1
        try scalars.values.upload([1], offset: hDiagSlot, queue: library.queue)
    }

    public func prepare(gradient: Buffer<Float>) throws {
        if iteration == 0 {
            try scalars.absoluteSum(gradient, count: count, slot: gradientNormSlot)
            try scalars.finish(gradientNormSlot)
            return
        }
        try library.kernel("optimizer", "subtract").enqueue(
            on: library.queue, global: [count], count, gradient, previousGradient, y[candidate])
        try scalars.dot(y[candidate], s[candidate], count: count, slot: ysSlot)
        try scalars.dot(y[candidate], y[candidate], count: count, slot: yySlot)
        try scalars.finish(ysSlot, count: 2)
    }

    public func update(image: Buffer<Float>, gradient: Buffer<Float>, scalars values: [Float]) throws {
        let t: Float
        if iteration == 0 {
            try scale(gradient, by: nil, sign: -1, into: direction)
            t = min(1, 1 / values[gradientNormSlot]) * learningRate
        } else {
            if values[ysSlot] > 1e-10 { try acceptCandidate() }
            try twoLoopRecursion(gradient: gradient)
            t = learningRate
        }
        try previousGradient.copy(from: gradient, count: count, queue: library.queue)
        try library.kernel("optimizer", "lbfgs_step").enqueue(
            on: library.queue, global: [count], count, t, direction, image, s[candidate])
        iteration += 1
    }

    private func acceptCandidate() throws {
        try library.kernel("optimizer", "lbfgs_accept").enqueue(
            on: library.queue, global: [1], scalars.values, ysSlot, yySlot, rhoSlot + candidate, hDiagSlot)
        accepted.append(candidate)
        if accepted.count > historySize {
            candidate = accepted.removeFirst()
        } else {
            candidate = (0...historySize).first { !accepted.contains($0) }!
        }
    }

    /// direction = −H·g by the two-loop recursion over the accepted pairs.
    private func twoLoopRecursion(gradient: Buffer<Float>) throws {
        let axpy = try library.kernel("optimizer", "axpy_scalars")
        try scale(gradient, by: nil, sign: -1, into: direction)
        for slot in accepted.reversed() {
            // α_i = ρ_i · s_iᵀq;  q −= α_i · y_i
            try scalars.dot(s[slot], direction, count: count, slot: temporarySlot)
            try scalars.finish(temporarySlot, into: alphaSlot + slot, timesSlot: rhoSlot + slot)
            try axpy.enqueue(
                on: library.queue, global: [count], count, scalars.values, alphaSlot + slot, -1, Float(-1), y[slot],
                direction)
        }
        try scale(direction, by: hDiagSlot, sign: 1, into: direction)
        for slot in accepted {
            // β_i = ρ_i · y_iᵀr;  r += (α_i − β_i) · s_i
            try scalars.dot(y[slot], direction, count: count, slot: temporarySlot)
            try scalars.finish(temporarySlot, into: betaSlot, timesSlot: rhoSlot + slot)
            try axpy.enqueue(
                on: library.queue, global: [count], count, scalars.values, alphaSlot + slot, betaSlot, Float(1),
                s[slot], direction)
        }
    }

    private func scale(_ x: Buffer<Float>, by slot: Int?, sign: Float, into output: Buffer<Float>) throws {
        try library.kernel("optimizer", "scale_scalars").enqueue(
            on: library.queue, global: [count], count, scalars.values, slot ?? -1, sign, x, output)
    }
}
