/// Which of a conditional model's styles to apply: one by index, or a blend whose instance
/// norms take the weighted mean of the styles' scales and shifts (Dumoulin et al. 2017).
/// A plain model has one style, index 0.
public enum StyleSelection: Sendable, Equatable {
    case style(Int)
    /// One weight per style: `TransformerModel.styleWeights` checks them (non-negative, not all
    /// zero) and normalises them to sum to 1; the network mixes the rows with the weights given.
    case blend([Float])
}
