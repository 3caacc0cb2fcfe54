import COpenCL

/// A value that can be passed as an OpenCL kernel argument.
public protocol KernelArgument {
    func set(on kernel: cl_kernel, at index: cl_uint) throws
}

extension Buffer: KernelArgument {
    public func set(on kernel: cl_kernel, at index: cl_uint) throws {
        var mem: cl_mem? = handle
        try checkCL(clSetKernelArg(kernel, index, MemoryLayout<cl_mem>.size, &mem), "clSetKernelArg")
    }
}

/// Scalars go by value; `Int` is passed as a 32-bit `int`, the index type of the kernels.
extension Int32: KernelArgument {}
extension UInt32: KernelArgument {}
extension Float: KernelArgument {}
extension Int: KernelArgument {
    public func set(on kernel: cl_kernel, at index: cl_uint) throws {
        precondition(self >= Int(Int32.min) && self <= Int(Int32.max), "kernel int argument out of range")
        try Int32(self).set(on: kernel, at: index)
    }
}

extension KernelArgument where Self: BitwiseCopyable {
    public func set(on kernel: cl_kernel, at index: cl_uint) throws {
        var value = self
        try checkCL(clSetKernelArg(kernel, index, MemoryLayout<Self>.size, &value), "clSetKernelArg")
    }
}

/// `__local` scratch memory of a given size in bytes.
public struct LocalMemory: KernelArgument {
    public let bytes: Int
    public init(bytes: Int) { self.bytes = bytes }
    public func set(on kernel: cl_kernel, at index: cl_uint) throws {
        try checkCL(clSetKernelArg(kernel, index, bytes, nil), "clSetKernelArg")
    }
}

/// One kernel of a program, launched with typed arguments.
public final class Kernel: @unchecked Sendable {
    public let handle: cl_kernel
    public let name: String
    let program: Program  // kept alive as long as the kernel

    init(program: Program, name: String) throws {
        var status: cl_int = 0
        guard let kernel = clCreateKernel(program.handle, name, &status) else {
            throw CLError(call: "clCreateKernel(\(name))", status: status)
        }
        try checkCL(status, "clCreateKernel(\(name))")
        self.handle = kernel
        self.name = name
        self.program = program
    }

    deinit { clReleaseKernel(handle) }

    /// Sets `arguments` in order and enqueues an NDRange of `global` work items.
    ///
    /// Each global size is rounded up to a multiple of the local size, so kernels must
    /// bounds-check their ids. Returns the event when `wantEvent` is set (for timing).
    @discardableResult
    public func enqueue(
        on queue: CommandQueue, global: [Int], local: [Int]? = nil, wantEvent: Bool = false,
        _ arguments: any KernelArgument...
    ) throws -> Event? {
        precondition((1...3).contains(global.count), "1 to 3 dimensions")
        for (index, argument) in arguments.enumerated() {
            do { try argument.set(on: handle, at: cl_uint(index)) } catch let error as CLError {
                throw CLError(call: "\(error.call)(\(name), argument \(index))", status: error.status)
            }
        }
        var globalSizes = global
        if let local {
            precondition(local.count == global.count, "local and global dimensions differ")
            for axis in global.indices {
                globalSizes[axis] = (global[axis] + local[axis] - 1) / local[axis] * local[axis]
            }
        }
        if globalSizes.contains(0) { return nil }
        var event: cl_event? = nil
        let status: cl_int = withUnsafeMutablePointer(to: &event) { eventPointer in
            globalSizes.withUnsafeBufferPointer { globalPointer in
                let eventOut = wantEvent ? eventPointer : nil
                guard let local else {
                    return clEnqueueNDRangeKernel(
                        queue.handle, handle, cl_uint(global.count), nil, globalPointer.baseAddress, nil, 0, nil,
                        eventOut)
                }
                return local.withUnsafeBufferPointer { localPointer in
                    clEnqueueNDRangeKernel(
                        queue.handle, handle, cl_uint(global.count), nil, globalPointer.baseAddress,
                        localPointer.baseAddress, 0, nil, eventOut)
                }
            }
        }
        try checkCL(status, "clEnqueueNDRangeKernel(\(name))")
        return event.map { Event(taking: $0) }
    }
}
