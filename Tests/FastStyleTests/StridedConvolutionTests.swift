import CLRuntime
import FastStyle
import StyleEngine
import TestSupport
import XCTest

/// The k×k, stride-s convolution against the CPU twin, its backward to the input, weights and
/// bias against central differences (weights and bias ADD, input OVERWRITES), with two
/// blockings, and its FP16 forwards.
final class StridedConvolutionTests: XCTestCase {
    var random = TestRandom(seed: 23)

    /// 3×3/1, 3×3/2 with a stride leftover (an input row and column no output reads), 9×9/1,
    /// on 2 images; channel and pixel counts that leave partial blocks at every blocking, and
    /// rows wide enough for the vector loads (stride 1 and 2) as well as the gathered last block.
    static let shapes = [
        StridedConvShape(images: 2, inChannels: 3, outChannels: 5, kernelSize: 3, stride: 1, inHeight: 5, inWidth: 21),
        // Winograd's (the 3×3/1 default): vector loads and stores in the first 8 tiles of the
        // first two tile rows, gathers in the third and the partial block of each row.
        StridedConvShape(images: 2, inChannels: 1, outChannels: 2, kernelSize: 3, stride: 1, inHeight: 11, inWidth: 40),
        StridedConvShape(images: 2, inChannels: 4, outChannels: 3, kernelSize: 3, stride: 2, inHeight: 8, inWidth: 19),
        StridedConvShape(images: 1, inChannels: 2, outChannels: 3, kernelSize: 9, stride: 1, inHeight: 10, inWidth: 30),
    ]

    func testForwardAndBackwardAgainstReferenceAndFiniteDifferences() throws {
        let library = try FastTestDevice.library()
        for shape in Self.shapes {
            let input = random.array(shape.input.count), weights = random.array(shape.weightCount, scale: 0.5)
            let bias = random.array(shape.outChannels)
            let gradOutput = random.array(shape.output.count)
            let forward = { (x: [Double], w: [Double], b: [Double]) in ReferenceFastOps.conv(x, shape, weights: w, bias: b) }
            let expected = floats(forward(doubles(input), doubles(weights), doubles(bias)))
            let seed = doubles(gradOutput)
            let numericInput = numericGradient(doubles(input), seed: seed) { forward($0, doubles(weights), doubles(bias)) }
            let numericWeights = numericGradient(doubles(weights), seed: seed) { forward(doubles(input), $0, doubles(bias)) }
            let numericBias = numericGradient(doubles(bias), seed: seed) { forward(doubles(input), doubles(weights), $0) }
            // Gradients already there, so that the backward to the weights must add to them.
            let startWeights = random.array(shape.weightCount), startBias = random.array(shape.outChannels)

            // The default, built per kernel size and stride (on CPUs every channel group in one
            // work-item); two others with the size and stride as arguments (fewer programs to
            // build), one walking pixels first, one group or two (a partial last) per work-item.
            let tunings = [
                StridedConvTuning.default(for: shape),
                StridedConvTuning(channelBlock: 3, pixelBlock: 4, pixelsFirst: true, specializesShape: false, groupsPerItem: 1),
                StridedConvTuning(channelBlock: 2, pixelBlock: 8, specializesShape: false, groupsPerItem: 2),
            ] + (Winograd4Convolution.applies(to: shape) ? [StridedConvTuning(channelBlock: 3, winograd: true)] : [])
            for tuning in tunings {
                let label = "\(shape) \(tuning)"
                let output = try library.storedBuffer(shape.output.count)
                let storedInput = try library.stored(input)
                // Weights and bias at offsets inside one flat buffer, as a network keeps them.
                let parameters = try library.upload([7] + weights + [7, 7] + bias)
                let weightSlice = ParameterSlice(parameters, offset: 1, count: weights.count)
                let biasSlice = ParameterSlice(parameters, offset: weights.count + 3, count: bias.count)
                try StridedConvolution.forward(
                    library: library, shape: shape, input: storedInput, weights: weightSlice, bias: biasSlice,
                    output: output, tuning: tuning, workspace: try library.poisoned(max(1, shape.forwardWorkspaceCount)))
                assertClose(try library.download(output), expected, relative: 1e-5, label)

                let gradInput = try library.poisoned(shape.input.count)
                try StridedConvolution.backwardInput(
                    library: library, shape: shape, gradOutput: try library.upload(gradOutput), weights: weightSlice,
                    gradInput: gradInput, workspace: try library.poisoned(shape.backwardInputWorkspaceCount), tuning: tuning)
                assertClose(try library.download(gradInput), floats(numericInput), relative: 1e-4, label + " input")

                let gradients = try library.upload([7, 7] + startWeights + startBias + [7])
                let gradWeights = ParameterSlice(gradients, offset: 2, count: weights.count)
                let gradBias = ParameterSlice(gradients, offset: weights.count + 2, count: bias.count)
                try StridedConvolution.backwardWeights(
                    library: library, shape: shape, input: storedInput, gradOutput: try library.upload(gradOutput),
                    gradWeights: gradWeights, gradBias: gradBias, tuning: tuning)
                assertClose(
                    try gradWeights.download(queue: library.queue), zip(startWeights, floats(numericWeights)).map(+),
                    relative: 1e-4, label + " weights add")
                assertClose(
                    try gradBias.download(queue: library.queue), zip(startBias, floats(numericBias)).map(+),
                    relative: 1e-4, label + " bias adds")
                let all = try library.download(gradients)
                XCTAssertEqual([all[0], all[1], all.last!], [7, 7, 7], label + " outside the slices")
            }
        }
    }

    /// A forward without bias (Winograd's, the 3×3/1 default).
    func testForwardWithoutBias() throws {
        let library = try FastTestDevice.library()
        let shape = Self.shapes[1]
        let input = random.array(shape.input.count), weights = random.array(shape.weightCount)
        let output = try library.storedBuffer(shape.output.count)
        try StridedConvolution.forward(
            library: library, shape: shape, input: try library.stored(input),
            weights: ParameterSlice(try library.upload(weights)), bias: nil, output: output,
            workspace: try library.poisoned(max(1, shape.forwardWorkspaceCount)))
        assertClose(
            try library.download(output), floats(ReferenceFastOps.conv(doubles(input), shape, weights: doubles(weights), bias: nil)),
            relative: 1e-5)
    }

    /// FP16 storage (apply): half → half, the float image → half, half → the float image;
    /// against the reference on the half-rounded input, within half's rounding of the output.
    func testHalfStorageForwards() throws {
        let library = try FastTestDevice.library(.fp16)
        for shape in Self.shapes {
            let input = random.array(shape.input.count), weights = random.array(shape.weightCount, scale: 0.5)
            let bias = random.array(shape.outChannels)
            let weightSlice = ParameterSlice(try library.upload(weights))
            let biasSlice = ParameterSlice(try library.upload(bias))
            let reference = { (x: [Float]) in
                floats(ReferenceFastOps.conv(doubles(x), shape, weights: doubles(weights), bias: doubles(bias)))
            }
            let rounded = reference(library.halfRounded(input)), exact = reference(input)
            let cases: [(StoredBuffer, StoredBuffer, [Float], String)] = [
                (try library.stored(input), try library.storedBuffer(shape.output.count), rounded, "half → half"),
                (.float(try library.upload(input)), try library.storedBuffer(shape.output.count), exact, "float → half"),
                (try library.stored(input), .float(try library.gpu.buffer(Float.self, count: shape.output.count)), rounded, "half → float"),
            ]
            for (input, output, expected, label) in cases {
                try StridedConvolution.forward(
                    library: library, shape: shape, input: input, weights: weightSlice, bias: biasSlice, output: output,
                    workspace: try library.gpu.buffer(Float.self, count: max(1, shape.forwardWorkspaceCount)))
                let tolerance: Float = output.isHalfForTests ? 1e-3 : 1e-5
                assertClose(try library.download(output), expected, relative: tolerance, "\(shape) \(label)")
            }
        }
    }
}

extension StoredBuffer {
    var isHalfForTests: Bool {
        if case .half = self { return true }
        return false
    }
}
