import CLRuntime
import FastStyle
import StyleEngine
import TestSupport
import XCTest

/// Instance norm (and conditional instance norm's per-image rows) against the CPU twin, its
/// backward to the input, γ and β against central differences (γ/β ADD, input OVERWRITES),
/// with and without the fused ReLU, one work-item per plane and a tree of 8; the FP16
/// forward; the blended rows.
final class InstanceNormTests: XCTestCase {
    var random = TestRandom(seed: 37)

    func testForwardAndBackwardAgainstReferenceAndFiniteDifferences() throws {
        let library = try FastTestDevice.library()
        let shape = TensorShape(images: 2, channels: 3, height: 5, width: 6)
        // Stride 0: one row of γ/β for both images (InstanceNorm2d); stride C: a row each (CIN).
        for imageStride in [0, shape.channels] {
            for relu in [false, true] {
                let rows = imageStride == 0 ? 1 : shape.images
                // Planes of different means and spreads, as activations have.
                let input = (0..<shape.count).map { i in random.next() * Float(1 + i / shape.positions) + Float(i / shape.positions % 3) }
                let gamma = random.array(rows * shape.channels).map { $0 + 1.5 }
                let beta = random.array(rows * shape.channels, scale: 0.5)
                let gradOutput = random.array(shape.count)
                let forward = { (x: [Double], g: [Double], b: [Double]) in
                    ReferenceFastOps.instanceNorm(x, shape, gamma: g, beta: b, imageStride: imageStride, relu: relu)
                }
                let seed = doubles(gradOutput)
                let numericInput = numericGradient(doubles(input), seed: seed, epsilon: 1e-6) {
                    forward($0, doubles(gamma), doubles(beta))
                }
                let numericGamma = numericGradient(doubles(gamma), seed: seed, epsilon: 1e-6) {
                    forward(doubles(input), $0, doubles(beta))
                }
                let numericBeta = numericGradient(doubles(beta), seed: seed, epsilon: 1e-6) {
                    forward(doubles(input), doubles(gamma), $0)
                }
                let startGamma = random.array(gamma.count), startBeta = random.array(beta.count)
                for groupSize in [1, 8] {
                    let label = "stride \(imageStride) relu \(relu) group \(groupSize)"
                    // γ and β at offsets of one flat buffer.
                    let parameters = try library.upload([9] + gamma + beta)
                    let affine = InstanceNormAffine(
                        gamma: ParameterSlice(parameters, offset: 1, count: gamma.count),
                        beta: ParameterSlice(parameters, offset: 1 + gamma.count, count: beta.count),
                        imageStride: imageStride)
                    let statistics = try library.poisoned(InstanceNorm.statisticsCount(shape))
                    let storedInput = try library.stored(input)
                    let output = try library.storedBuffer(shape.count)
                    try InstanceNorm.forward(
                        library: library, input: storedInput, shape: shape, affine: affine, relu: relu,
                        statistics: statistics, output: output, groupSize: groupSize)
                    assertClose(
                        try library.download(output), floats(forward(doubles(input), doubles(gamma), doubles(beta))),
                        relative: 1e-5, label)

                    let gradients = try library.upload(startGamma + startBeta)
                    let gradAffine = InstanceNormAffine(
                        gamma: ParameterSlice(gradients, offset: 0, count: gamma.count),
                        beta: ParameterSlice(gradients, offset: gamma.count, count: beta.count), imageStride: imageStride)
                    let gradInput = try library.poisoned(shape.count)
                    try InstanceNorm.backward(
                        library: library, input: storedInput, shape: shape, affine: affine, relu: relu,
                        statistics: statistics, gradOutput: try library.upload(gradOutput), gradInput: gradInput,
                        gradAffine: gradAffine, groupSize: groupSize)
                    assertClose(try library.download(gradInput), floats(numericInput), relative: 1e-4, label + " input")
                    assertClose(
                        try gradAffine.gamma.download(queue: library.queue), zip(startGamma, floats(numericGamma)).map(+),
                        relative: 1e-4, label + " γ adds")
                    assertClose(
                        try gradAffine.beta.download(queue: library.queue), zip(startBeta, floats(numericBeta)).map(+),
                        relative: 1e-4, label + " β adds")
                }
            }
        }
    }

    /// The backward in place (gradInput = gradOutput) equals the out-of-place one.
    func testBackwardInPlace() throws {
        let library = try FastTestDevice.library()
        let shape = TensorShape(images: 1, channels: 2, height: 4, width: 3)
        let input = try library.stored(random.array(shape.count)), gradOutput = random.array(shape.count)
        let affine = InstanceNormAffine.shared(
            gamma: ParameterSlice(try library.upload([1.5, -0.5])), beta: ParameterSlice(try library.upload([0.1, 0.2])))
        let statistics = try library.gpu.buffer(Float.self, count: InstanceNorm.statisticsCount(shape))
        try InstanceNorm.forward(
            library: library, input: input, shape: shape, affine: affine, relu: true, statistics: statistics,
            output: try library.storedBuffer(shape.count))
        let apart = try library.gpu.buffer(Float.self, count: shape.count), inPlace = try library.upload(gradOutput)
        try InstanceNorm.backward(
            library: library, input: input, shape: shape, affine: affine, relu: true, statistics: statistics,
            gradOutput: try library.upload(gradOutput), gradInput: apart, gradAffine: nil)
        try InstanceNorm.backward(
            library: library, input: input, shape: shape, affine: affine, relu: true, statistics: statistics,
            gradOutput: inPlace, gradInput: inPlace, gradAffine: nil)
        XCTAssertEqual(try library.download(inPlace), try library.download(apart))
    }

    /// FP16 storage, in place (apply), against the reference on the half-rounded input.
    func testHalfStorageForward() throws {
        let library = try FastTestDevice.library(.fp16)
        let shape = TensorShape(images: 2, channels: 3, height: 7, width: 5)
        let input = random.array(shape.count, scale: 20)
        let gamma = random.array(shape.channels), beta = random.array(shape.channels)
        let affine = InstanceNormAffine.shared(
            gamma: ParameterSlice(try library.upload(gamma)), beta: ParameterSlice(try library.upload(beta)))
        let values = try library.stored(input)
        try InstanceNorm.forward(
            library: library, input: values, shape: shape, affine: affine, relu: true,
            statistics: try library.gpu.buffer(Float.self, count: InstanceNorm.statisticsCount(shape)), output: values)
        let expected = ReferenceFastOps.instanceNorm(
            doubles(library.halfRounded(input)), shape, gamma: doubles(gamma), beta: doubles(beta), imageStride: 0,
            relu: true)
        assertClose(try library.download(values), floats(expected), relative: 1e-3)
    }

    /// A blend of three styles' rows, and a style's own row, read from a table inside a flat buffer.
    func testConditionalRowsAndBlend() throws {
        let library = try FastTestDevice.library()
        let (styles, channels) = (3, 5)
        let table = random.array(styles * channels), weights: [Float] = [0.2, 0.5, 0.3]
        let buffer = try library.upload([4, 4] + table)
        let tableSlice = ParameterSlice(buffer, offset: 2, count: table.count)
        let row = ParameterSlice(try library.poisoned(channels + 1), offset: 1, count: channels)
        try ConditionalInstanceNorm.blend(library: library, table: tableSlice, channels: channels, weights: weights, into: row)
        assertClose(
            try row.download(queue: library.queue),
            floats(ReferenceFastOps.blend(doubles(table), channels: channels, weights: doubles(weights))), relative: 1e-6)
        XCTAssertEqual(
            try ConditionalInstanceNorm.row(of: tableSlice, style: 1, channels: channels).download(queue: library.queue),
            Array(table[channels..<(2 * channels)]))
    }
}
