import StyleEngine

/// What `train --report` writes: the settings, every step's loss parts, the time, the device
/// memory.
public struct TrainingReport: Sendable, Codable {
    public struct Step: Sendable, Codable {
        public let step: Int
        public let loss: Double
        public let content: Double
        public let style: Double
        public let totalVariation: Double
        public let elapsedSeconds: Double
    }

    /// The held-out photos measured at one step: each one's metrics, and their means.
    public struct Evaluation: Sendable, Codable {
        public struct Photo: Sendable, Codable {
            public let path: String
            /// The style index it was applied with (0 for a single-style model).
            public let style: Int
            public let metrics: QualityMetrics
        }
        public let step: Int
        public let ssim: Double
        public let styleSimilarity: Double
        public let loss: Double
        public let photos: [Photo]
    }

    public var device: String
    public var settings: TrainerSettings
    /// The step this run started from (0, or the checkpoint's).
    public var startStep = 0
    public var steps: [Step] = []
    public var evaluations: [Evaluation] = []
    public var secondsPerStep = 0.0
    public var totalSeconds = 0.0
    public var peakDeviceBytes = 0
    /// Whether a stop request ended it before `settings.steps`.
    public var interrupted = false
}
