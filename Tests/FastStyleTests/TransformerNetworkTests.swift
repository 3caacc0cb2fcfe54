import CLRuntime
import FastStyle
import StyleEngine
import TestSupport
import XCTest

/// The device TransformerNet (small widths) against the reference network: forward in FP32
/// and FP16, the backward to every tensor against central differences, accumulation, and
/// conditional instance norm's styles and blends.
final class TransformerNetworkTests: XCTestCase {
    var random = TestRandom(seed: 53)
    let widths = [2, 3, 4]
    let blocks = 2
    /// 8×7: two stride-2 convs leave 2×2 (pad 1 still fits); the output is 8×8, as PyTorch's.
    let (images, height, width) = (2, 8, 7)

    func randomWeights(styles: Int = 1) -> [String: [Float]] {
        var weights: [String: [Float]] = [:]
        let entries = TransformerNetwork.parameterEntries(widths: widths, residualBlocks: blocks, styles: styles)
        let counts = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.count) })
        for (name, count) in entries {
            if name.hasSuffix(".conv2d.weight") {
                // Uniform with variance 1/fan-in keeps activations of order 1 through the layers.
                let fanIn = count / counts[name.replacingOccurrences(of: ".weight", with: ".bias")]!
                weights[name] = random.array(count, scale: Float((3.0 / Double(fanIn)).squareRoot()))
            } else if name.hasSuffix(".conv2d.bias") {
                weights[name] = random.array(count, scale: 0.1)
            } else if name.hasSuffix(".weight") {
                weights[name] = random.array(count, scale: 0.3).map { $0 + 1 }
            } else {
                weights[name] = random.array(count, scale: 0.3)
            }
        }
        return weights
    }

    /// One program for every layer, one StridedConvolutionTests builds too (the ops' tests
    /// cover the per-shape defaults), so that a cold kernel cache builds little.
    func makeNetwork(
        _ library: KernelLibrary, _ weights: [String: [Float]], styles: Int = 1
    ) throws -> TransformerNetwork {
        let network = try TransformerNetwork(
            library: library, weights: weights, widths: widths, residualBlocks: blocks, styles: styles)
        network.tuning = { _ in StridedConvTuning(channelBlock: 2, pixelBlock: 8, specializesShape: false) }
        return network
    }

    func reference(_ image: [Float], _ weights: [String: [Float]], style: Int = 0) -> [Double] {
        ReferenceTransformer.forward(
            doubles(image), images: images, height: height, width: width, weights: weights.mapValues(doubles),
            widths: widths, blocks: blocks, style: style
        ).values
    }

    func run(_ network: TransformerNetwork, _ image: [Float], style: StyleSelection = .style(0), training: Bool = false)
        throws -> [Float]
    {
        let library = network.library
        let output = try library.gpu.buffer(
            Float.self, count: network.outputShape(images: images, height: height, width: width).count)
        try network.forward(
            image: try library.upload(image), images: images, height: height, width: width, output: output, style: style,
            training: training)
        return try library.download(output)
    }

    func testForwardMatchesTheReferenceInFP32AndFP16() throws {
        let weights = randomWeights()
        let image = random.array(images * 3 * height * width, scale: 100).map { $0 + 120 }
        let expected = floats(reference(image, weights))
        let library = try FastTestDevice.library()
        let network = try makeNetwork(library, weights)
        XCTAssertEqual(network.outputShape(images: images, height: height, width: width), TensorShape(images: 2, channels: 3, height: 8, width: 8))
        assertClose(try run(network, image), expected, relative: 1e-4, "apply")
        assertClose(try run(network, image, training: true), expected, relative: 1e-4, "training forward")

        let half = try makeNetwork(try FastTestDevice.library(.fp16), weights)
        assertClose(try run(half, image), expected, relative: 2e-2, "fp16 apply")
    }

    /// ∂(Σ seed · output)/∂θ for three values of every tensor (the first, the last, one
    /// between), against central differences of the reference; and a second backward adds.
    func testBackwardToEveryTensorMatchesFiniteDifferences() throws {
        let weights = randomWeights()
        let image = random.array(images * 3 * height * width, scale: 100).map { $0 + 120 }
        let library = try FastTestDevice.library()
        let network = try makeNetwork(library, weights)
        let seed = random.array(network.outputShape(images: images, height: height, width: width).count)
        _ = try run(network, image, training: true)
        try network.parameters.makeGradients()
        let gradOutput = try library.upload(seed)
        try network.backward(gradOutput: gradOutput)
        let gradients = try network.parameters.downloadGradients()
        let base = weights.mapValues(doubles)
        var worst = 0.0, scale = 0.0, worstName = ""
        for (name, count) in TransformerNetwork.parameterEntries(widths: widths, residualBlocks: blocks) {
            for index in Set([0, count / 2, count - 1]) {
                let epsilon = 1e-4
                func loss(_ delta: Double) -> Double {
                    var shifted = base
                    shifted[name]![index] += delta
                    let out = ReferenceTransformer.forward(
                        doubles(image), images: images, height: height, width: width, weights: shifted, widths: widths,
                        blocks: blocks
                    ).values
                    return zip(out, seed).reduce(0) { $0 + $1.0 * Double($1.1) }
                }
                let numeric = (loss(epsilon) - loss(-epsilon)) / (2 * epsilon)
                let error = abs(Double(gradients[name]![index]) - numeric)
                scale = max(scale, abs(numeric))
                if error > worst { (worst, worstName) = (error, "\(name)[\(index)] device \(gradients[name]![index]) numeric \(numeric)") }
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-3 * scale, worstName)

        try network.backward(gradOutput: gradOutput)
        let twice = try network.parameters.downloadGradients()
        for name in ["conv1.conv2d.weight", "res2.in2.bias", "deconv3.conv2d.bias"] {
            assertClose(twice[name]!, gradients[name]!.map { 2 * $0 }, relative: 1e-5, name + " accumulates")
        }
    }

    /// A multi-style training batch (image n in style n, here images = styles = 2): its output
    /// is each image run alone in its style, and its gradients the sum of theirs.
    func testEachImageItsStyleEqualsTheImagesAloneInTheirStyles() throws {
        let weights = randomWeights(styles: images)
        let image = random.array(images * 3 * height * width, scale: 100).map { $0 + 120 }
        let library = try FastTestDevice.library()
        let network = try makeNetwork(library, weights, styles: images)
        try network.parameters.makeGradients()
        let outputCount = network.outputShape(images: images, height: height, width: width).count
        let perImage = outputCount / images
        let gradOutput = random.array(outputCount, scale: 1)
        let output = try library.gpu.buffer(Float.self, count: outputCount)
        try network.forward(
            image: try library.upload(image), images: images, height: height, width: width, output: output, training: true,
            eachImageItsStyle: true)
        let together = try library.download(output)
        try network.parameters.zeroGradients()
        try network.backward(gradOutput: try library.upload(gradOutput))
        let batchGradients = try network.parameters.downloadGradients()
        var summed: [String: [Float]] = [:]
        try network.parameters.zeroGradients()
        let one = try library.gpu.buffer(Float.self, count: perImage)
        let plane = 3 * height * width
        for n in 0..<images {
            try network.forward(
                image: try library.upload(Array(image[(n * plane)..<((n + 1) * plane)])), images: 1, height: height,
                width: width, output: one, style: .style(n), training: true)
            assertClose(try library.download(one), Array(together[(n * perImage)..<((n + 1) * perImage)]), relative: 1e-5, "image \(n)")
            try network.backward(gradOutput: try library.upload(Array(gradOutput[(n * perImage)..<((n + 1) * perImage)])))
        }
        summed = try network.parameters.downloadGradients()
        for name in ["conv1.conv2d.weight", "in1.weight", "res1.in2.bias", "in5.weight", "deconv3.conv2d.bias"] {
            assertClose(batchGradients[name]!, summed[name]!, relative: 1e-4, name)
        }
    }

    /// Two styles: each style's rows against the reference; a blend against a one-style
    /// network whose γ/β are the blended rows; the backward of style 1 touches only row 1.
    func testConditionalStylesAndBlend() throws {
        let weights = randomWeights(styles: 2)
        let image = random.array(images * 3 * height * width, scale: 100).map { $0 + 120 }
        let library = try FastTestDevice.library()
        let network = try makeNetwork(library, weights, styles: 2)
        for style in 0..<2 {
            assertClose(try run(network, image, style: .style(style)), floats(reference(image, weights, style: style)), relative: 1e-4, "style \(style)")
        }
        let mix: [Float] = [0.25, 0.75]
        var mixed = weights
        for (name, values) in weights where name.contains("in") && !name.contains("conv2d") {
            let channels = values.count / 2
            mixed[name] = (0..<channels).map { mix[0] * values[$0] + mix[1] * values[channels + $0] }
        }
        assertClose(try run(network, image, style: .blend(mix)), floats(reference(image, mixed)), relative: 1e-4, "blend")

        _ = try run(network, image, style: .style(1), training: true)
        try network.parameters.makeGradients()
        try network.backward(gradOutput: try library.upload(random.array(images * 3 * 8 * 8)))
        let gamma = try network.parameters.downloadGradients()["in2.weight"]!
        XCTAssertEqual(Array(gamma[0..<widths[1]]), [Float](repeating: 0, count: widths[1]), "row 0 untouched")
        XCTAssertTrue(gamma[widths[1]...].contains { $0 != 0 }, "row 1 has gradients")
    }

    func testRefusesMissingWeightsAndSmallImages() throws {
        let library = try FastTestDevice.library()
        var weights = randomWeights()
        weights["res1.in1.bias"] = nil
        XCTAssertThrowsError(try TransformerNetwork(library: library, weights: weights, widths: widths, residualBlocks: blocks)) {
            XCTAssertEqual($0 as? FastStyleError, .parameter("no tensor named res1.in1.bias"))
        }
        let network = try makeNetwork(library, randomWeights())
        let buffer = try library.gpu.buffer(Float.self, count: 3 * 16)
        XCTAssertThrowsError(try network.forward(image: buffer, height: 4, width: 4, output: buffer))
    }
}
