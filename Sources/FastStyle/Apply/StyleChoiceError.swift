/// A style choice that does not fit the model.
public enum StyleChoiceError: Error, CustomStringConvertible, Equatable {
    case unknownStyle(String, known: [String], count: Int)

    public var description: String {
        switch self {
        case .unknownStyle(let name, let known, let count):
            "the model has no style \(name): "
                + (known.isEmpty ? "its styles are numbered 0…\(count - 1)" : "its styles are \(known.joined(separator: ", "))")
        }
    }
}
