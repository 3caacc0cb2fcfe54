/// A `StyleSelection` that does not fit the model.
public enum StyleSelectionError: Error, CustomStringConvertible, Equatable, Sendable {
    case indexOutOfRange(index: Int, styles: Int)
    case wrongWeightCount(count: Int, styles: Int)
    /// Negative, infinite or NaN weights, or weights summing to zero.
    case invalidWeights([Float])

    public var description: String {
        switch self {
        case .indexOutOfRange(let index, let styles):
            "style \(index) does not exist: the model has \(styles) style\(styles == 1 ? "" : "s") (0…\(styles - 1))"
        case .wrongWeightCount(let count, let styles):
            "\(count) blend weight\(count == 1 ? "" : "s") for a model of \(styles) style\(styles == 1 ? "" : "s")"
        case .invalidWeights(let weights):
            "blend weights \(weights) must be finite, non-negative and not all zero"
        }
    }
}
