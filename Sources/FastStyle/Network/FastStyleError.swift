/// What FastStyle refuses, with a one-line reason.
public enum FastStyleError: Error, CustomStringConvertible, Equatable {
    /// A weight is missing or has the wrong size.
    case parameter(String)
    /// An input the network cannot take (too small, wrong channel count).
    case input(String)

    public var description: String {
        switch self {
        case .parameter(let reason): "transformer weights: \(reason)"
        case .input(let reason): "transformer input: \(reason)"
        }
    }
}
