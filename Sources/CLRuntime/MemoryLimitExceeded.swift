/// A device buffer that would take the engine's buffers past its memory limit.
public struct MemoryLimitExceeded: Error, CustomStringConvertible, Equatable {
    public let requestedBytes: Int
    public let allocatedBytes: Int
    public let limitBytes: Int

    public init(requestedBytes: Int, allocatedBytes: Int, limitBytes: Int) {
        self.requestedBytes = requestedBytes
        self.allocatedBytes = allocatedBytes
        self.limitBytes = limitBytes
    }

    public var description: String {
        "a device buffer of \(Self.mebibytes(requestedBytes)) would take the engine past its memory limit of "
            + "\(Self.mebibytes(limitBytes)) (\(Self.mebibytes(allocatedBytes)) in use)"
    }

    static func mebibytes(_ bytes: Int) -> String { "\((bytes + 524_287) / 1_048_576) MiB" }
}
