/// Which of a conditional model's styles to apply: one by index, or a blend whose instance
/// norms take the weighted mean of the styles' scales and shifts (Dumoulin et al. 2017).
/// A plain model has one style, index 0.
public enum StyleSelection: Sendable, Equatable {
    case style(Int)
    /// One non-negative weight per style, normalised to sum to 1.
    case blend([Float])
}
