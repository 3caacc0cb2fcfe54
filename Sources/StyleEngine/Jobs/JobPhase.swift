/// Where a job is, as far as a stop request is concerned.
public enum JobPhase: Sendable, Equatable {
    /// Reading, checking, planning, sessions, style targets, the first evaluation: nothing
    /// worth keeping exists, so a stop writes nothing.
    case preparing
    /// At least one update made: a stop keeps the current image.
    case iterating
    /// The result is being written and measured.
    case finishing
}
