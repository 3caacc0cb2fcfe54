/// Why a transfer cannot run; each reads as one line.
public enum TransferError: Error, CustomStringConvertible, Equatable {
    case doesNotFit(width: Int, height: Int, availableBytes: Int)

    public var description: String {
        switch self {
        case .doesNotFit(let width, let height, let available):
            "a \(width)×\(height) image does not fit in \(megabytes(available)) of device memory even in the "
                + "smallest tiles with the shortest L-BFGS history"
        }
    }
}
