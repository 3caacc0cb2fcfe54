/// What a job does with an image it did not finish (stopped, or the last good one before a
/// non-finite loss): the single run writes it, a batch drops it (its manifest retries it).
public enum UnfinishedResult: Sendable, Equatable {
    case write
    case drop
}
