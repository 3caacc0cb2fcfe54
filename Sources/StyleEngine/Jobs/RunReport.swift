import CLRuntime

/// What `--report` writes: the run's device, inputs, settings, every scale's and iteration's
/// loss, the result's quality metrics.
public struct RunReport: Sendable, Codable {
    public struct Iteration: Sendable, Codable {
        public let iteration: Int
        public let loss: Double
        public let content: Double
        public let style: Double
        public let totalVariation: Double
        /// Seconds since the scale's loop started, when this iteration's loss was known.
        public let elapsedSeconds: Double
    }

    public struct ImageSize: Sendable, Codable {
        public let path: String
        public let width: Int
        public let height: Int
    }

    /// One scale of a coarse-to-fine run.
    public struct Scale: Sendable, Codable {
        public let width: Int
        public let height: Int
        public let iterations: [Iteration]
        public let secondsPerIteration: Double
        public let setupSeconds: Double
        /// One pass or tiles, and the L-BFGS history kept.
        public let plan: ScalePlan
    }

    public var device: DeviceInfo
    public var precision: Precision
    public var settings: StylizeSettings
    public var content: ImageSize
    public var styles: [ImageSize]
    public var output: ImageSize
    /// Every scale, smallest first (one when `--scales off`).
    public var scales: [Scale] = []
    /// The last scale's iterations: the result's size.
    public var iterations: [Iteration] = []
    /// Median seconds per iteration of the last scale's loop (the first, which compiles
    /// kernels, excluded when there are more).
    public var secondsPerIteration: Double = 0
    /// Seconds before the first scale: reading images, the session (kernels, weights).
    public var setupSeconds: Double = 0
    /// Seconds from the start of the job to the result written.
    public var totalSeconds: Double = 0
    /// The most device memory the engine's buffers held at once.
    public var peakDeviceBytes: Int = 0
    public var stopReason = StopReason.completed
    /// The result measured against the content and styles (absent when interrupted).
    public var metrics: QualityMetrics?

    public init(
        device: DeviceInfo, precision: Precision, settings: StylizeSettings, content: ImageSize, styles: [ImageSize],
        output: ImageSize
    ) {
        self.device = device
        self.precision = precision
        self.settings = settings
        self.content = content
        self.styles = styles
        self.output = output
    }

    /// The report's form of a transfer's scales.
    static func scales(_ result: TransferResult) -> [Scale] {
        result.scales.map { scale in
            Scale(
                width: scale.width, height: scale.height,
                iterations: zip(scale.losses, scale.elapsed).enumerated().map { iteration, pair in
                    Iteration(
                        iteration: iteration, loss: pair.0.total, content: pair.0.content, style: pair.0.style,
                        totalVariation: pair.0.totalVariation, elapsedSeconds: pair.1)
                }, secondsPerIteration: scale.secondsPerIteration, setupSeconds: scale.setupSeconds, plan: scale.plan)
        }
    }
}
