import COpenCL

/// A device buffer of `count` elements of `Element` (`Float`; `UInt16` holds half floats).
public final class Buffer<Element: BitwiseCopyable>: @unchecked Sendable {
    public let handle: cl_mem
    public let count: Int
    public let context: Context

    public var byteCount: Int { count * MemoryLayout<Element>.stride }

    public init(context: Context, count: Int) throws {
        precondition(count > 0, "a device buffer holds at least one element")
        var status: cl_int = 0
        let bytes = count * MemoryLayout<Element>.stride
        // Refused before the driver is asked, so a limit holds whatever the device has.
        try context.recordAllocation(bytes)
        guard let mem = clCreateBuffer(context.handle, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        else {
            context.recordRelease(bytes)
            throw CLError(call: "clCreateBuffer", status: status)
        }
        if status != CL_SUCCESS {
            context.recordRelease(bytes)
            throw CLError(call: "clCreateBuffer", status: status)
        }
        self.handle = mem
        self.count = count
        self.context = context
    }

    /// A buffer holding a copy of `values`.
    public convenience init(queue: CommandQueue, values: [Element]) throws {
        try self.init(context: queue.context, count: values.count)
        try upload(values, queue: queue)
    }

    deinit {
        clReleaseMemObject(handle)
        context.recordRelease(byteCount)
    }

    /// Copies `values` to elements `offset ..< offset + values.count` (blocking).
    public func upload(_ values: [Element], offset: Int = 0, queue: CommandQueue) throws {
        precondition(offset >= 0 && offset + values.count <= count, "upload out of the buffer's bounds")
        if values.isEmpty { return }
        let stride = MemoryLayout<Element>.stride
        try values.withUnsafeBytes { raw in
            try checkCL(
                clEnqueueWriteBuffer(
                    queue.handle, handle, cl_bool(CL_TRUE), offset * stride, raw.count, raw.baseAddress, 0, nil, nil),
                "clEnqueueWriteBuffer")
        }
    }

    /// Reads elements `offset ..< offset + count` back to the host (blocking).
    public func download(offset: Int = 0, count requested: Int? = nil, queue: CommandQueue) throws -> [Element] {
        let length = requested ?? (count - offset)
        precondition(offset >= 0 && length >= 0 && offset + length <= count, "download out of the buffer's bounds")
        if length == 0 { return [] }
        let stride = MemoryLayout<Element>.stride
        return try [Element](unsafeUninitializedCapacity: length) { pointer, initialized in
            try checkCL(
                clEnqueueReadBuffer(
                    queue.handle, handle, cl_bool(CL_TRUE), offset * stride, length * stride,
                    UnsafeMutableRawPointer(pointer.baseAddress), 0, nil, nil),
                "clEnqueueReadBuffer")
            initialized = length
        }
    }

    /// Sets elements `offset ..< offset + count` to `value` (enqueued, not blocking).
    public func fill(_ value: Element, offset: Int = 0, count requested: Int? = nil, queue: CommandQueue) throws {
        let length = requested ?? (count - offset)
        precondition(offset >= 0 && offset + length <= count, "fill out of the buffer's bounds")
        if length == 0 { return }
        let stride = MemoryLayout<Element>.stride
        var pattern = value
        try checkCL(
            clEnqueueFillBuffer(
                queue.handle, handle, &pattern, stride, offset * stride, length * stride, 0, nil, nil),
            "clEnqueueFillBuffer")
    }

    /// Copies `count` elements from `source` (enqueued, not blocking).
    public func copy(
        from source: Buffer<Element>, sourceOffset: Int = 0, offset: Int = 0, count requested: Int? = nil,
        queue: CommandQueue
    ) throws {
        let length = requested ?? min(count - offset, source.count - sourceOffset)
        precondition(
            offset + length <= count && sourceOffset + length <= source.count, "copy out of the buffers' bounds")
        if length == 0 { return }
        let stride = MemoryLayout<Element>.stride
        try checkCL(
            clEnqueueCopyBuffer(
                queue.handle, source.handle, handle, sourceOffset * stride, offset * stride, length * stride, 0, nil,
                nil),
            "clEnqueueCopyBuffer")
    }
}
