/// Why an apply cannot run; each reads as one line.
public enum ApplyError: Error, CustomStringConvertible, Equatable {
    case imageTooSmall(path: String, width: Int, height: Int, minimum: Int)
    case tooLargeForDevice(width: Int, height: Int, budgetBytes: Int)

    public var description: String {
        switch self {
        case .imageTooSmall(let path, let width, let height, let minimum):
            "image \(path) is \(width)×\(height): the network needs at least \(minimum) px on each side"
        case .tooLargeForDevice(let width, let height, let budgetBytes):
            "a \(width)×\(height) photo does not fit \(TilePlan.mebibytes(budgetBytes)) of device memory even in one-row tiles: "
                + "raise --memory-limit or lower --size"
        }
    }
}
