import CLRuntime

/// L-BFGS as the spec defines it (PyTorch's `LBFGS(max_iter=1)` stepped once per iteration):
/// learning rate `learningRate`, no line search, first step scaled by min(1, 1/‖g‖₁),
/// curvature pairs skipped when yᵀs ≤ 1e-10, inverse-Hessian seed yᵀs/yᵀy of the newest pair.
///
/// One safeguard beyond PyTorch: until a curvature pair has been accepted, every step is
/// scaled like the first. PyTorch would step by the raw gradient (H_diag = 1, t = 1) after a
/// rejected first pair, which with style-transfer gradients (‖g‖ ~ 10⁸) throws the image
/// out of range; in FP32 the first pair is accepted and the two agree step for step, while
/// in FP16 the first, tiny step is below half's resolution and its pair can come out
/// negative.
///
/// The history (m pairs plus one candidate slot) and every coefficient of the two-loop
/// recursion stay on the device; the host reads only yᵀs, yᵀy and ‖g‖₁ to decide. In FP16
/// runs the history is stored as half, each vector divided by a scale (its max |value| / 2¹⁴)
/// kept beside ρ and α, so that no gradient difference overflows or vanishes.
public final class DeviceLBFGS: DeviceOptimizer, @unchecked Sendable {
    public let historySize: Int
    public let learningRate: Float
    let library: KernelLibrary
    let scalars: DeviceScalars
    let count: Int
    private let previousGradient: Buffer<Float>
    /// The search direction; between `prepare` and `update` it holds y = g − g_prev.
    private let direction: Buffer<Float>
    private let y: [StoredBuffer]
    private let s: [StoredBuffer]
    /// Accepted pairs' ring slots, oldest first; `candidate` is the slot the next pair fills.
    private var accepted: [Int] = []
    private var candidate = 0
    private var iteration = 0
    private let scaled: Bool
    // Scalar slots.
    private let ysSlot, yySlot, gradientNormSlot, hDiagSlot, temporarySlot, betaSlot: Int
    private let rhoSlot, alphaSlot, yScaleSlot, sScaleSlot: Int
    static let headroom: Float = 1.0 / 16384

    public init(library: KernelLibrary, scalars: DeviceScalars, count: Int, historySize: Int = 100, learningRate: Float = 1)
        throws
    {
        precondition(historySize >= 1)
        self.library = library
        self.scalars = scalars
        self.count = count
        self.historySize = historySize
        self.learningRate = learningRate
        self.scaled = library.precision == .fp16
        let gpu = library.gpu
        previousGradient = try gpu.buffer(Float.self, count: count)
        direction = try gpu.buffer(Float.self, count: count)
        y = try (0...historySize).map { _ in try StoredBuffer.allocate(library: library, count: count) }
        s = try (0...historySize).map { _ in try StoredBuffer.allocate(library: library, count: count) }
        let slots = historySize + 1
        let base = try scalars.reserve(6 + 4 * slots)
        (ysSlot, yySlot, gradientNormSlot, hDiagSlot, temporarySlot, betaSlot) =
            (base, base + 1, base + 2, base + 3, base + 4, base + 5)
        rhoSlot = base + 6
        alphaSlot = rhoSlot + slots
        yScaleSlot = alphaSlot + slots
        sScaleSlot = yScaleSlot + slots
        try scalars.values.upload([1], offset: hDiagSlot, queue: library.queue)
    }

    /// Curvature pairs belong to one resolution's loss surface: nothing is carried.
    public func carriedState(height: Int, width: Int) throws -> CarriedOptimizerState? { nil }

    public func adopt(_ state: CarriedOptimizerState) throws {
        preconditionFailure("L-BFGS carries no state between scales")
    }

    private func yScale(_ slot: Int) -> Int { scaled ? yScaleSlot + slot : -1 }
    private func sScale(_ slot: Int) -> Int { scaled ? sScaleSlot + slot : -1 }

    public func prepare(gradient: Buffer<Float>) throws {
        if accepted.isEmpty {
            try scalars.absoluteSum(gradient, count: count, slot: gradientNormSlot)
            try scalars.finish(gradientNormSlot)
        }
        if iteration == 0 { return }
        try library.kernel("optimizer", "subtract").enqueue(
            on: library.queue, global: [count], count, gradient, previousGradient, direction)
        try store(direction, multiplier: 1, into: y[candidate], scaleSlot: yScale(candidate))
        try scalars.dot(s[candidate], direction, count: count, slot: ysSlot)
        try scalars.finish(ysSlot, times: [sScale(candidate)])
        try scalars.dot(direction, direction, count: count, slot: yySlot)
        try scalars.finish(yySlot)
    }

    public func update(image: Buffer<Float>, gradient: Buffer<Float>, scalars values: [Float]) throws {
        let firstStepScale = min(1, 1 / values[gradientNormSlot]) * learningRate
        let t: Float
        if iteration == 0 {
            try scale(gradient, by: nil, sign: -1, into: direction)
            t = firstStepScale
        } else {
            if values[ysSlot] > 1e-10 { try acceptCandidate() }
            try twoLoopRecursion(gradient: gradient)
            t = accepted.isEmpty ? firstStepScale : learningRate
        }
        try previousGradient.copy(from: gradient, count: count, queue: library.queue)
        try store(direction, multiplier: t, into: s[candidate], scaleSlot: sScale(candidate))
        try library.kernel("optimizer", "lbfgs_step").enqueue(on: library.queue, global: [count], count, t, direction, image)
        iteration += 1
    }

    /// history = multiplier · x, divided by a fresh scale in FP16 runs.
    private func store(_ x: Buffer<Float>, multiplier: Float, into history: StoredBuffer, scaleSlot: Int) throws {
        if scaleSlot >= 0 {
            try scalars.maxAbsolute(x, count: count, slot: scaleSlot, multiplier: abs(multiplier) * Self.headroom)
        }
        try library.kernel("optimizer", "store_history").enqueue(
            on: library.queue, global: [count], count, multiplier, x, scalars.values, scaleSlot, history)
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
            try scalars.finish(temporarySlot, into: alphaSlot + slot, times: [rhoSlot + slot, sScale(slot)])
            try axpy.enqueue(
                on: library.queue, global: [count], count, scalars.values, alphaSlot + slot, -1, Float(-1), y[slot],
                yScale(slot), direction)
        }
        try scale(direction, by: hDiagSlot, sign: 1, into: direction)
        for slot in accepted {
            // β_i = ρ_i · y_iᵀr;  r += (α_i − β_i) · s_i
            try scalars.dot(y[slot], direction, count: count, slot: temporarySlot)
            try scalars.finish(temporarySlot, into: betaSlot, times: [rhoSlot + slot, yScale(slot)])
            try axpy.enqueue(
                on: library.queue, global: [count], count, scalars.values, alphaSlot + slot, betaSlot, Float(1),
                s[slot], sScale(slot), direction)
        }
    }

    private func scale(_ x: Buffer<Float>, by slot: Int?, sign: Float, into output: Buffer<Float>) throws {
        try library.kernel("optimizer", "scale_scalars").enqueue(
            on: library.queue, global: [count], count, scalars.values, slot ?? -1, sign, x, output)
    }
}
