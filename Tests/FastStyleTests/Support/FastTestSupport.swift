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


/// Asserts max |a − e| ≤ tolerance · max(max |e|, floor).
func assertClose(
    _ actual: [Float], _ expected: [Float], relative tolerance: Float, floor: Float = 1e-6, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "count " + message, file: file, line: line)
    let scale = max(expected.map(abs).max() ?? 0, floor)
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(
        worst, tolerance * scale, "max error \(worst) vs scale \(scale) " + message, file: file, line: line)
}

func doubles(_ values: [Float]) -> [Double] { values.map(Double.init) }
func floats(_ values: [Double]) -> [Float] { values.map(Float.init) }

/// ∂(Σ seed·f(x))/∂x by central differences in Double.
func numericGradient(_ x: [Double], seed: [Double], epsilon: Double = 1e-5, _ f: ([Double]) -> [Double]) -> [Double] {
    (0..<x.count).map { i in
        var plus = x, minus = x
        plus[i] += epsilon
        minus[i] -= epsilon
        let up = zip(f(plus), seed).reduce(0) { $0 + $1.0 * $1.1 }
        let down = zip(f(minus), seed).reduce(0) { $0 + $1.0 * $1.1 }
        return (up - down) / (2 * epsilon)
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
