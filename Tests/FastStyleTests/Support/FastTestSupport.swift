import CLRuntime
import FastStyle
import Foundation
import StyleEngine
import TestSupport
import XCTest

/// The device the tests run on: `STYLIZE_GPU_TEST_DEVICE` (default 0: PoCL in CI).
enum FastTestDevice {
    static var index: Int { Int(ProcessInfo.processInfo.environment["STYLIZE_GPU_TEST_DEVICE"] ?? "") ?? 0 }

    /// One device (and its kernel cache) for the whole test run.
    nonisolated(unsafe) static var shared: ComputeDevice?

    static func device() throws -> ComputeDevice {
        if let shared { return shared }
        let device = try ComputeDevice(device: DeviceInventory.device(at: index))
        shared = device
        return device
    }

    static func library(_ precision: Precision = .fp32) throws -> KernelLibrary {
        KernelLibrary(gpu: try device(), precision: precision)
    }
}




extension KernelLibrary {
    func upload(_ values: [Float]) throws -> Buffer<Float> { try gpu.buffer(values) }
    func download(_ buffer: Buffer<Float>) throws -> [Float] { try buffer.download(queue: queue) }
    func download(_ buffer: StoredBuffer) throws -> [Float] { try buffer.downloadFloats(library: self) }
    /// `values` in the library's storage.
    func stored(_ values: [Float]) throws -> StoredBuffer { try StoredBuffer.storing(try upload(values), library: self) }
    func storedBuffer(_ count: Int) throws -> StoredBuffer { try StoredBuffer.allocate(library: self, count: count) }
    /// A float buffer filled with NaN, so that a kernel that skips an element shows.
    func poisoned(_ count: Int) throws -> Buffer<Float> {
        let buffer = try gpu.buffer(Float.self, count: count)
        try buffer.fill(.nan, queue: queue)
        return buffer
    }
    /// The values as they read back from half storage (what an FP16 forward actually saw).
    func halfRounded(_ values: [Float]) -> [Float] { values.map { Float(Float16($0)) } }
}
