import COpenCL

/// An OpenCL context on one device; it also counts the device memory the engine holds.
public final class Context: @unchecked Sendable {
    public let handle: cl_context
    public let device: Device

    /// Bytes of device buffers currently alive, and the most ever alive at once.
    public private(set) var allocatedBytes = 0
    public private(set) var peakAllocatedBytes = 0
    /// The most bytes the engine's buffers may hold at once (nil: what the device has).
    public let memoryLimit: Int?

    public init(device: Device, memoryLimit: Int? = nil) throws {
        precondition(memoryLimit.map { $0 > 0 } ?? true)
        self.memoryLimit = memoryLimit
        var status: cl_int = 0
        var deviceID: cl_device_id? = device.id
        guard let context = clCreateContext(nil, 1, &deviceID, nil, nil, &status) else {
            throw CLError(call: "clCreateContext", status: status)
        }
        try checkCL(status, "clCreateContext")
        self.handle = context
        self.device = device
    }

    deinit { clReleaseContext(handle) }

    /// Counts a new buffer, refusing one that would pass the memory limit.
    func recordAllocation(_ bytes: Int) throws {
        if let memoryLimit, allocatedBytes + bytes > memoryLimit {
            throw MemoryLimitExceeded(requestedBytes: bytes, allocatedBytes: allocatedBytes, limitBytes: memoryLimit)
        }
        allocatedBytes += bytes
        peakAllocatedBytes = max(peakAllocatedBytes, allocatedBytes)
    }

    func recordRelease(_ bytes: Int) { allocatedBytes -= bytes }

    /// Starts a new peak measurement from what is allocated now.
    public func resetPeak() { peakAllocatedBytes = allocatedBytes }
}

/// An in-order command queue, optionally with profiling so events carry timings.
public final class CommandQueue: @unchecked Sendable {
    public let handle: cl_command_queue
    public let context: Context
    public let profiling: Bool

    public init(context: Context, profiling: Bool = false) throws {
        var status: cl_int = 0
        let properties = profiling ? cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE) : 0
        guard let queue = clCreateCommandQueue(context.handle, context.device.id, properties, &status)
        else { throw CLError(call: "clCreateCommandQueue", status: status) }
        try checkCL(status, "clCreateCommandQueue")
        self.handle = queue
        self.context = context
        self.profiling = profiling
    }

    deinit { clReleaseCommandQueue(handle) }

    /// Blocks until every command enqueued so far has completed.
    public func finish() throws { try checkCL(clFinish(handle), "clFinish") }

    public func flush() throws { try checkCL(clFlush(handle), "clFlush") }
}

/// A completed-or-pending OpenCL event; with a profiling queue it reports device time.
public final class Event: @unchecked Sendable {
    public let handle: cl_event

    public init(taking handle: cl_event) { self.handle = handle }

    deinit { clReleaseEvent(handle) }

    public func wait() throws {
        var event: cl_event? = handle
        try checkCL(clWaitForEvents(1, &event), "clWaitForEvents")
    }

    /// Device nanoseconds from the start to the end of the command (needs a profiling queue).
    public func durationNanoseconds() throws -> UInt64 {
        try wait()
        return try profilingValue(CL_PROFILING_COMMAND_END) - profilingValue(CL_PROFILING_COMMAND_START)
    }

    func profilingValue(_ parameter: Int32) throws -> UInt64 {
        var value: cl_ulong = 0
        try checkCL(
            clGetEventProfilingInfo(handle, cl_profiling_info(parameter), MemoryLayout<cl_ulong>.size, &value, nil),
            "clGetEventProfilingInfo")
        return value
    }
}
