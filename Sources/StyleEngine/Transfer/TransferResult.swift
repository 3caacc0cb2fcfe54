/// What a style transfer returns: the result's pixels, and every scale's losses.
public struct TransferResult: Sendable {
    /// One scale of the run.
    public struct Scale: Sendable {
        public let width: Int
        public let height: Int
        /// Iterations + 1 losses (0: the scale's initial image) and when each was known,
        /// in seconds since the scale's loop began.
        public let losses: [LossParts]
        public let elapsed: [Double]
        /// Seconds to set the scale up (targets, objective, optimizer) before its loop.
        public let setupSeconds: Double
        /// How the scale used the device's memory (tiles, L-BFGS history).
        public let plan: ScalePlan

        /// Median seconds per updating iteration, the first left out when others remain.
        public var secondsPerIteration: Double { OptimizationLoop.medianIterationSeconds(elapsed) }
    }

    /// The result at the requested size (content colours put back when asked).
    public let image: RGBImage
    public let scales: [Scale]
    public let stopReason: StopReason
    /// Seconds from the first scale's set-up to the result's pixels.
    public let seconds: Double

    /// Updates made over all scales.
    public var iterationCount: Int { scales.reduce(0) { $0 + $1.losses.count - 1 } }
}
