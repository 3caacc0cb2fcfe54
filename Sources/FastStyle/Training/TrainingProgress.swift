import StyleEngine

/// One training step done: its loss parts (the batch's mean per image), and the time so far.
public struct TrainingProgress: Sendable {
    public let step: Int
    public let steps: Int
    public let loss: LossParts
    /// Seconds since this run (not the resumed one) began, and the steps it has made.
    public let elapsed: Double
    public let stepsThisRun: Int

    public var stepsPerSecond: Double { elapsed > 0 ? Double(stepsThisRun) / elapsed : 0 }
    public var secondsLeft: Double { stepsPerSecond > 0 ? Double(steps - step) / stepsPerSecond : 0 }
}
