import CLRuntime

/// A float tensor at an offset inside a device buffer: a weight, bias, γ or β (or their
/// gradients) inside one flat parameter buffer, so that one `DeviceAdam` steps them all.
/// The kernels take the buffer and the offset; nothing is copied.
public struct ParameterSlice: @unchecked Sendable {
    public let buffer: Buffer<Float>
    /// The first value's index in `buffer`.
    public let offset: Int
    /// How many values the tensor holds.
    public let count: Int

    public init(_ buffer: Buffer<Float>, offset: Int = 0, count: Int? = nil) {
        let count = count ?? buffer.count - offset
        precondition(offset >= 0 && count >= 0 && offset + count <= buffer.count, "slice out of the buffer's bounds")
        self.buffer = buffer
        self.offset = offset
        self.count = count
    }

    /// Values `start ..< start + count` of this slice.
    public func slice(from start: Int, count: Int) -> ParameterSlice {
        precondition(start >= 0 && start + count <= self.count, "slice out of the tensor's bounds")
        return ParameterSlice(buffer, offset: offset + start, count: count)
    }

    /// The values on the host (tests and diagnostics).
    public func download(queue: CommandQueue) throws -> [Float] {
        try buffer.download(offset: offset, count: count, queue: queue)
    }

    /// Overwrites the values with `values` (`values.count == count`).
    public func upload(_ values: [Float], queue: CommandQueue) throws {
        precondition(values.count == count, "\(values.count) values for a tensor of \(count)")
        try buffer.upload(values, offset: offset, queue: queue)
    }

    /// Sets every value to zero (gradients before a batch, since backward adds).
    public func zero(queue: CommandQueue) throws {
        try buffer.fill(0, offset: offset, count: count, queue: queue)
    }
}
