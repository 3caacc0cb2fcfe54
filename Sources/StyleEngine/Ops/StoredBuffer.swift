import CLRuntime
import COpenCL

/// How activations, weights and scratch are stored (arithmetic accumulates in FP32 either way).
public enum Precision: String, Sendable, Codable, CaseIterable {
    case fp32, fp16
}

/// A device buffer in the run's storage precision: float, or half bits (`UInt16`) that the
/// kernels read with `vload_half` and write with `vstore_half`.
public enum StoredBuffer: KernelArgument, @unchecked Sendable {
    case float(Buffer<Float>)
    case half(Buffer<UInt16>)

    public static func allocate(library: KernelLibrary, count: Int) throws -> StoredBuffer {
        switch library.precision {
        case .fp32: .float(try library.gpu.buffer(Float.self, count: count))
        case .fp16: .half(try library.gpu.buffer(UInt16.self, count: count))
        }
    }

    /// A stored copy of float values already on the device.
    public static func storing(_ source: Buffer<Float>, library: KernelLibrary) throws -> StoredBuffer {
        guard library.precision == .fp16 else { return .float(source) }
        let stored = try library.gpu.buffer(UInt16.self, count: source.count)
        try library.kernel("storage", "store_floats").enqueue(
            on: library.queue, global: [source.count], source.count, source, stored)
        return .half(stored)
    }

    public var count: Int {
        switch self {
        case .float(let buffer): buffer.count
        case .half(let buffer): buffer.count
        }
    }

    public func set(on kernel: cl_kernel, at index: cl_uint) throws {
        switch self {
        case .float(let buffer): try buffer.set(on: kernel, at: index)
        case .half(let buffer): try buffer.set(on: kernel, at: index)
        }
    }

    /// Writes the first `count` values, as floats, into `destination`.
    public func copyAsFloats(to destination: Buffer<Float>, count: Int, library: KernelLibrary) throws {
        switch self {
        case .float(let buffer): try destination.copy(from: buffer, count: count, queue: library.queue)
        case .half:
            try library.kernel("storage", "load_floats").enqueue(
                on: library.queue, global: [count], count, self, destination)
        }
    }

    /// The values as floats on the host (tests and diagnostics).
    public func downloadFloats(library: KernelLibrary) throws -> [Float] {
        switch self {
        case .float(let buffer): return try buffer.download(queue: library.queue)
        case .half(let buffer):
            return try buffer.download(queue: library.queue).map { Float(Float16(bitPattern: $0)) }
        }
    }
}
