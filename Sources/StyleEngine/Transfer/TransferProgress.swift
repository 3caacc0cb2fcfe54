/// What a progress display needs after each evaluated iteration.
public struct TransferProgress: Sendable {
    /// The scale being optimized (0-based) of `scaleCount`, and its size.
    public let scale: Int
    public let scaleCount: Int
    public let width: Int
    public let height: Int
    /// This scale's iteration (0: its initial image) of `iterations`.
    public let iteration: Int
    public let iterations: Int
    public let loss: LossParts
    /// Seconds since this scale's loop began.
    public let elapsed: Double
}
