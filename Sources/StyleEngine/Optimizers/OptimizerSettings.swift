/// Which optimizer a run uses and how it steps.
public struct OptimizerSettings: Sendable, Codable, Equatable {
    public var kind = OptimizerKind.lbfgs
    /// nil: 1 for L-BFGS, 10 for Adam.
    public var learningRate: Float?
    /// Curvature pairs L-BFGS keeps.
    public var historySize = 100

    public init(kind: OptimizerKind = .lbfgs, learningRate: Float? = nil, historySize: Int = 100) {
        self.kind = kind
        self.learningRate = learningRate
        self.historySize = historySize
    }

    public var effectiveLearningRate: Float { learningRate ?? (kind == .lbfgs ? 1 : 10) }

    /// A fresh optimizer for images of `count` floats. Each scale of a coarse-to-fine run
    /// starts a new one: L-BFGS's curvature pairs describe one resolution's loss surface.
    public func make(library: KernelLibrary, scalars: DeviceScalars, count: Int) throws -> DeviceOptimizer {
        switch kind {
        case .lbfgs:
            try DeviceLBFGS(
                library: library, scalars: scalars, count: count, historySize: historySize,
                learningRate: effectiveLearningRate)
        case .adam:
            try DeviceAdam(library: library, count: count, learningRate: effectiveLearningRate)
        }
    }
}
