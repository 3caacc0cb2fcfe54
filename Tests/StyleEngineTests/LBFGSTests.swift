import CLRuntime
import StyleEngine
import TestSupport
import XCTest

/// The device L-BFGS against the CPU reference of the spec, step by step, on a problem whose
/// gradient the host computes: an ill-conditioned quadratic plus a quartic term.
final class LBFGSTests: XCTestCase {
    let dimension = 37

    func gradient(_ x: [Double]) -> [Double] {
        x.enumerated().map { i, value in Double(i % 7 + 1) * value - Double(i % 3) + 0.01 * value * value * value }
    }

    func run(
        precision: Precision, historySize: Int, iterations: Int, gradient: (([Double]) -> [Double])? = nil
    ) throws -> (device: [[Float]], reference: [[Double]]) {
        let gradient = gradient ?? self.gradient
        let gpu = try EngineTestDevice.library().gpu
        let library = KernelLibrary(gpu: gpu, precision: precision)
        let scalars = try DeviceScalars(library: library)
        let optimizer = try DeviceLBFGS(library: library, scalars: scalars, count: dimension, historySize: historySize)
        var random = TestRandom(seed: 9)
        let start = random.array(dimension, scale: 3)
        let image = try gpu.buffer(start)
        let gradientBuffer = try gpu.buffer(Float.self, count: dimension)
        let reference = ReferenceLBFGS(historySize: historySize)
        var x = start.map(Double.init)
        var devicePath: [[Float]] = [], referencePath: [[Double]] = []
        for _ in 0..<iterations {
            // Both follow their own iterates; the device's gradient comes from its own x.
            let deviceX = try image.download(queue: gpu.queue)
            try gradientBuffer.upload(gradient(deviceX.map(Double.init)).map(Float.init), queue: gpu.queue)
            try optimizer.prepare(gradient: gradientBuffer)
            try optimizer.update(image: image, gradient: gradientBuffer, scalars: try scalars.read())
            reference.step(x: &x, gradient: gradient(x))
            devicePath.append(try image.download(queue: gpu.queue))
            referencePath.append(x)
        }
        return (devicePath, referencePath)
    }

    func testFollowsTheReferenceStepByStep() throws {
        // A history shorter than the run exercises the ring buffer's recycling.
        let (device, reference) = try run(precision: .fp32, historySize: 4, iterations: 12)
        for (step, (d, r)) in zip(device, reference).enumerated() {
            assertClose(d, r.map(Float.init), relative: 1e-4, "step \(step + 1)")
        }
        let finalGradient = gradient(reference.last!).map(abs).max()!
        XCTAssertLessThan(finalGradient, 0.1 * gradient(reference[0]).map(abs).max()!, "it optimizes")
    }

    func testFirstStepIsScaledByTheGradientsL1Norm() throws {
        let (device, _) = try run(precision: .fp32, historySize: 3, iterations: 1)
        var random = TestRandom(seed: 9)
        let start = random.array(dimension, scale: 3).map(Double.init)
        let g = gradient(start)
        let t = min(1, 1 / g.reduce(0) { $0 + abs($1) })
        assertClose(device[0], zip(start, g).map { Float($0 - t * $1) }, relative: 1e-6)
    }

    /// A linear function never yields an acceptable pair (y = 0): every step stays scaled
    /// like the first, instead of jumping by the raw gradient.
    func testStepsStayScaledUntilAPairIsAccepted() throws {
        let slope = (0..<dimension).map { Double($0 % 5) - 2.5 }
        let (device, reference) = try run(precision: .fp32, historySize: 5, iterations: 3) { _ in slope }
        var random = TestRandom(seed: 9)
        let start = random.array(dimension, scale: 3).map(Double.init)
        let t = 1 / slope.reduce(0) { $0 + abs($1) }
        for (step, (d, r)) in zip(device, reference).enumerated() {
            let expected = zip(start, slope).map { Float($0 - Double(step + 1) * t * $1) }
            assertClose(d, expected, relative: 1e-6, "step \(step + 1)")
            assertClose(r.map(Float.init), expected, relative: 1e-6, "reference step \(step + 1)")
        }
    }

    func testHalfStoredHistoryStaysCloseToTheReference() throws {
        let (device, reference) = try run(precision: .fp16, historySize: 4, iterations: 12)
        assertClose(device.last!, reference.last!.map(Float.init), relative: 2e-2)
    }
}
