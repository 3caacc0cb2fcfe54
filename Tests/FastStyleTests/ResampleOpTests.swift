import CLRuntime
import FastStyle
import StyleEngine
import TestSupport
import XCTest

/// Reflection pad, nearest ×2 upsample and the residual add against the CPU twins, their
/// backwards against central differences, and their FP16 forwards.
final class ResampleOpTests: XCTestCase {
    var random = TestRandom(seed: 11)

    /// Pads 1 and 4 (a 9×9 layer's) on 2 images; pad 4 of a side of 5 reflects almost the
    /// whole row, so each input gets up to three copies per axis.
    func testReflectionPadForwardAndBackward() throws {
        let library = try FastTestDevice.library()
        let shape = TensorShape(images: 2, channels: 3, height: 5, width: 7)
        for pad in [1, 4] {
            let input = random.array(shape.count)
            let padded = ReflectionPad.outputShape(shape, pad: pad)
            let forward = { (x: [Double]) in ReferenceFastOps.reflectionPad(x, shape, pad: pad) }
            let output = try library.storedBuffer(padded.count)
            try ReflectionPad.forward(library: library, input: try library.stored(input), shape: shape, pad: pad, output: output)
            XCTAssertEqual(try library.download(output), floats(forward(doubles(input))), "pad \(pad)")

            let gradOutput = random.array(padded.count)
            let gradInput = try library.poisoned(shape.count)
            try ReflectionPad.backward(
                library: library, gradOutput: try library.upload(gradOutput), shape: shape, pad: pad, gradInput: gradInput)
            let numeric = numericGradient(doubles(input), seed: doubles(gradOutput), forward)
            assertClose(try library.download(gradInput), floats(numeric), relative: 1e-5, "pad \(pad) backward")
        }
    }

    /// FP16: the float image padded into half storage, and half into half.
    func testReflectionPadHalfStorage() throws {
        let library = try FastTestDevice.library(.fp16)
        let shape = TensorShape(images: 1, channels: 3, height: 6, width: 5)
        let input = random.array(shape.count, scale: 100)
        let expected = floats(ReferenceFastOps.reflectionPad(doubles(library.halfRounded(input)), shape, pad: 2))
        let count = ReflectionPad.outputShape(shape, pad: 2).count
        let fromFloat = try library.storedBuffer(count), fromHalf = try library.storedBuffer(count)
        try ReflectionPad.forward(library: library, input: .float(try library.upload(input)), shape: shape, pad: 2, output: fromFloat)
        try ReflectionPad.forward(library: library, input: try library.stored(input), shape: shape, pad: 2, output: fromHalf)
        XCTAssertEqual(try library.download(fromFloat), expected)
        XCTAssertEqual(try library.download(fromHalf), expected)
    }

    func testNearestUpsampleForwardAndBackward() throws {
        for precision in Precision.allCases {
            let library = try FastTestDevice.library(precision)
            let shape = TensorShape(images: 2, channels: 2, height: 3, width: 5)
            let input = random.array(shape.count)
            let forward = { (x: [Double]) in ReferenceFastOps.upsample2x(x, shape) }
            let output = try library.storedBuffer(NearestUpsample.outputShape(shape).count)
            try NearestUpsample.forward(library: library, input: try library.stored(input), shape: shape, output: output)
            let seen = precision == .fp16 ? library.halfRounded(input) : input
            XCTAssertEqual(try library.download(output), floats(forward(doubles(seen))), "\(precision)")
            guard precision == .fp32 else { continue }
            let gradOutput = random.array(NearestUpsample.outputShape(shape).count)
            let gradInput = try library.poisoned(shape.count)
            try NearestUpsample.backward(
                library: library, gradOutput: try library.upload(gradOutput), shape: shape, gradInput: gradInput)
            let numeric = numericGradient(doubles(input), seed: doubles(gradOutput), forward)
            assertClose(try library.download(gradInput), floats(numeric), relative: 1e-5, "backward")
        }
    }

    /// y = x + F(x) forward (float and half storage, in place too) and the backward sum.
    func testResidualAddForwardAndBackward() throws {
        let count = 37
        let a = random.array(count), b = random.array(count)
        for precision in Precision.allCases {
            let library = try FastTestDevice.library(precision)
            let input = try library.stored(a), branch = try library.stored(b)
            try ResidualAdd.forward(library: library, input: input, branch: branch, output: branch, count: count)
            let expected = zip(library.halfRounded(a), library.halfRounded(b)).map { $0 + $1 }
            assertClose(
                try library.download(branch), precision == .fp16 ? library.halfRounded(expected) : zip(a, b).map(+),
                relative: 1e-6, "\(precision) in place")
        }
        let library = try FastTestDevice.library()
        let gradOutput = random.array(count), gradBranch = random.array(count)
        let gradInput = try library.poisoned(count)
        try ResidualAdd.backward(
            library: library, gradOutput: try library.upload(gradOutput), gradThroughBranch: try library.upload(gradBranch),
            gradInput: gradInput, count: count)
        XCTAssertEqual(try library.download(gradInput), zip(gradOutput, gradBranch).map(+))
    }
}
