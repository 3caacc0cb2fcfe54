/// Which style a multi-style (conditional instance norm) network applies: one row of its
/// γ/β tables, or a weighted mix of rows (apply only). A single-style network has style 0.
public enum StyleSelection: Sendable, Equatable {
    case style(Int)
    /// One weight per style, used as given (not normalized).
    case blend([Float])
}
