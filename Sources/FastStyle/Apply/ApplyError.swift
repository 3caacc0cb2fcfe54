/// Why an apply cannot run; each reads as one line.
public enum ApplyError: Error, CustomStringConvertible, Equatable {
    case imageTooSmall(path: String, width: Int, height: Int, minimum: Int)

    public var description: String {
        switch self {
        case .imageTooSmall(let path, let width, let height, let minimum):
            "image \(path) is \(width)×\(height): the network needs at least \(minimum) px on each side"
        }
    }
}
