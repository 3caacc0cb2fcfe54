/// Why a run's optimization ended.
public enum StopReason: String, Sendable, Codable {
    case completed
    /// Stopped on request (a signal): the current image is the result.
    case interrupted
    /// The loss became NaN or infinite: the last good image is the result.
    case nonFiniteLoss = "non-finite loss"
}
