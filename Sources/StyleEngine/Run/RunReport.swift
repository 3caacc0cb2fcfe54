import CLRuntime

/// What `--report` writes: the run's device, inputs, settings and every iteration's loss.
public struct RunReport: Sendable, Codable {
    public struct Iteration: Sendable, Codable {
        public let iteration: Int
        public let loss: Double
        public let content: Double
        public let style: Double
        public let totalVariation: Double
        /// Seconds since the loop started, when this iteration's loss was known.
        public let elapsedSeconds: Double
    }

    public struct ImageSize: Sendable, Codable {
        public let path: String
        public let width: Int
        public let height: Int
    }

    public var device: DeviceInfo
    public var precision: Precision
    public var settings: StylizeSettings
    public var content: ImageSize
    public var styles: [ImageSize]
    public var output: ImageSize
    public var iterations: [Iteration] = []
    /// Median seconds per iteration of the loop (the first, which compiles kernels, excluded
    /// when there are more).
    public var secondsPerIteration: Double = 0
    public var setupSeconds: Double = 0
    /// The most device memory the engine's buffers held at once.
    public var peakDeviceBytes: Int = 0
    /// Why the loop ended: "completed", "interrupted" or "non-finite loss".
    public var stopReason = "completed"
}
