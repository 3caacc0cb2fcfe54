import CLRuntime
import StyleEngine
import TestSupport
import XCTest

/// Each device op against the CPU reference (1e-4 relative), and each backward against
/// central finite differences of the reference forward (in Double) on tiny shapes.
final class LayerOpTests: XCTestCase {
    var library: KernelLibrary!
    var random = TestRandom(seed: 100)

    override func setUpWithError() throws { library = try EngineTestDevice.library() }

    func upload(_ values: [Float]) throws -> Buffer<Float> { try library.gpu.buffer(values) }
    func download(_ buffer: Buffer<Float>) throws -> [Float] { try buffer.download(queue: library.queue) }
    func download(_ buffer: StoredBuffer) throws -> [Float] { try buffer.downloadFloats(library: library) }
    /// Central differences with this class's step, 1e-4, unless a test names another.
    func numericGradient(_ x: [Double], seed: [Double], epsilon: Double = 1e-4, _ f: ([Double]) -> [Double]) -> [Double] {
        TestSupport.numericGradient(x, seed: seed, epsilon: epsilon, f)
    }

    /// The direct convolution, and im2col + GEMM with each GEMM backend in bands of two rows,
    /// against the reference and the finite differences; with half storage too (the filter is
    /// then packed per call). 37 columns: two full 16-wide tiles and a partial one; 13 output
    /// channels: a full panel of 12 and a partial one.
    func testConvolutionForwardAndBackward() throws {
        let (c, k, h, w) = (3, 13, 5, 37)
        let input = random.array(c * h * w), weights = random.array(k * c * 9), bias = random.array(k)
        let forward = { (x: [Double]) in
            ReferenceLayers.conv3x3Forward(x, channels: c, height: h, width: w, weights: doubles(weights), bias: doubles(bias))
        }
        let gradOutput = random.array(k * h * w)
        let numeric = numericGradient(doubles(input), seed: doubles(gradOutput), forward)
        let reference = ReferenceLayers.conv3x3BackwardInput(
            doubles(gradOutput), channels: c, height: h, width: w, weights: doubles(weights), outChannels: k)
        assertClose(floats(reference), floats(numeric), relative: 1e-6)

        let variants: [(ConvolutionAlgorithm, GEMMBackend)] = [(.direct, .packed), (.im2col, .packed), (.im2col, .clblast)]
        for (algorithm, backend) in variants {
            for precision in Precision.allCases {
                let library = KernelLibrary(
                    gpu: self.library.gpu, precision: precision, convolution: algorithm, gemm: backend)
                let label = "\(algorithm) \(backend) \(precision)"
                let tolerance: Float = precision == .fp32 ? 1e-4 : 3e-3
                let layer = try DeviceConvLayer(library: library, inChannels: c, outChannels: k, weights: weights, bias: bias)
                // Scratch for two rows per band, forward (C rows of im2col) and backward (K rows).
                func scratch(channels: Int) throws -> ConvScratch {
                    ConvScratch(
                        columns: try library.gpu.buffer(
                            Float.self, count: channels * 9 * ConvGEMM.paddedColumns(2 * w, library: library)),
                        weights: try library.gpu.buffer(Float.self, count: 2 * (k + 12) * (c + 12) * 9),
                        outputBand: try library.gpu.buffer(Float.self, count: k * h * w))
                }
                let output = try StoredBuffer.allocate(library: library, count: k * h * w)
                try Conv3x3.forward(
                    library: library, layer: layer, input: try StoredBuffer.storing(try upload(input), library: library),
                    height: h, width: w, output: output, scratch: try scratch(channels: c), relu: false)
                assertClose(try output.downloadFloats(library: library), floats(forward(doubles(input))), relative: tolerance, label)

                let gradInput = try library.gpu.buffer(Float.self, count: c * h * w)
                try Conv3x3.backwardInput(
                    library: library, layer: layer, gradOutput: try upload(gradOutput), height: h, width: w,
                    gradInput: gradInput, scratch: try scratch(channels: k))
                assertClose(try download(gradInput), floats(numeric), relative: tolerance, label + " backward")
            }
        }
    }

    /// Winograd F(2×2, 3×3), forward and backward, with each GEMM backend, on odd sizes
    /// (partial edge tiles) and in several bands (one tile row each for CLBlast; for the
    /// packed GEMM, whose rows are padded to 48 tiles, 9 tile rows), against the reference.
    func testWinogradConvolutionMatchesReference() throws {
        let (c, k, h, w) = (16, 20, 19, 9)
        let input = random.array(c * h * w), weights = random.array(k * c * 9, scale: 0.3), bias = random.array(k)
        let forward = ReferenceLayers.conv3x3Forward(
            doubles(input), channels: c, height: h, width: w, weights: doubles(weights), bias: doubles(bias))
        let gradOutput = random.array(k * h * w)
        let backward = ReferenceLayers.conv3x3BackwardInput(
            doubles(gradOutput), channels: c, height: h, width: w, weights: doubles(weights), outChannels: k)
        for backend in GEMMBackend.allCases {
            let winograd = KernelLibrary(gpu: library.gpu, convolution: .winograd, gemm: backend)
            let layer = try DeviceConvLayer(library: winograd, inChannels: c, outChannels: k, weights: weights, bias: bias)
            let bandColumns = ConvGEMM.paddedColumns((w + 1) / 2, library: winograd)
            let scratch = ConvScratch(
                columns: try library.gpu.buffer(Float.self, count: 16 * max(c, k) * bandColumns),
                weights: try library.gpu.buffer(Float.self, count: 16 * (c + 4) * (k + 4)), outputBand: nil,
                products: try library.gpu.buffer(Float.self, count: 16 * max(c, k) * bandColumns))
            let output = StoredBuffer.float(try library.gpu.buffer(Float.self, count: k * h * w))
            try Conv3x3.forward(
                library: winograd, layer: layer, input: .float(try upload(input)), height: h, width: w, output: output,
                scratch: scratch, relu: false)
            assertClose(try download(output), floats(forward), relative: 1e-5, "\(backend)")

            let gradInput = try library.gpu.buffer(Float.self, count: c * h * w)
            try Conv3x3.backwardInput(
                library: winograd, layer: layer, gradOutput: try upload(gradOutput), height: h, width: w,
                gradInput: gradInput, scratch: scratch)
            assertClose(try download(gradInput), floats(backward), relative: 1e-5, "\(backend) backward")

            // With half storage: activations and weights rounded to half, arithmetic in float.
            let half = KernelLibrary(gpu: library.gpu, precision: .fp16, convolution: .winograd, gemm: backend)
            let halfLayer = try DeviceConvLayer(library: half, inChannels: c, outChannels: k, weights: weights, bias: bias)
            let halfOutput = try StoredBuffer.allocate(library: half, count: k * h * w)
            try Conv3x3.forward(
                library: half, layer: halfLayer, input: try StoredBuffer.storing(try upload(input), library: half), height: h,
                width: w, output: halfOutput, scratch: scratch, relu: false)
            assertClose(try download(halfOutput), floats(forward), relative: 3e-3, "\(backend) fp16")
            try Conv3x3.backwardInput(
                library: half, layer: halfLayer, gradOutput: try upload(gradOutput), height: h, width: w,
                gradInput: gradInput, scratch: scratch)
            assertClose(try download(gradInput), floats(backward), relative: 3e-3, "\(backend) fp16 backward")
        }
    }

    /// Winograd F(4×4, 3×3) (VGG's zero padding) against the reference, forward with bias
    /// and ReLU and backward to the input, FP32 and FP16: a narrow image (every tile block
    /// gathered) and a wide one (vector loads and stores inside, gathers at the borders and
    /// in the partial block), on scratch poisoned with NaN.
    func testWinogradF4ConvolutionMatchesReference() throws {
        for (c, k, h, w) in [(16, 20, 19, 9), (3, 5, 13, 70)] {
            let input = random.array(c * h * w), weights = random.array(k * c * 9, scale: 0.3), bias = random.array(k)
            let forward = ReferenceLayers.conv3x3Forward(
                doubles(input), channels: c, height: h, width: w, weights: doubles(weights), bias: doubles(bias)
            ).map { max($0, 0) }
            let gradOutput = random.array(k * h * w)
            let backward = ReferenceLayers.conv3x3BackwardInput(
                doubles(gradOutput), channels: c, height: h, width: w, weights: doubles(weights), outChannels: k)
            for precision in Precision.allCases {
                let winograd = KernelLibrary(gpu: library.gpu, precision: precision, convolution: .winogradF4)
                let layer = try DeviceConvLayer(library: winograd, inChannels: c, outChannels: k, weights: weights, bias: bias)
                // Either direction's scratch.
                let both = [(c, k), (k, c)].map {
                    WinogradF4.Geometry(channels: $0.0, outChannels: $0.1, inHeight: h, inWidth: w, pad: 1)
                }
                let nan = { (count: Int) in try self.library.gpu.buffer([Float](repeating: .nan, count: count)) }
                let scratch = ConvScratch(
                    columns: try nan(both.map(\.transformedCount).max()!), weights: try nan(both.map(\.filterCount).max()!),
                    outputBand: nil, products: try nan(both.map(\.productCount).max()!))
                let output = try StoredBuffer.allocate(library: winograd, count: k * h * w)
                let stored = precision == .fp16 ? try StoredBuffer.storing(try upload(input), library: winograd) : .float(try upload(input))
                try Conv3x3.forward(
                    library: winograd, layer: layer, input: stored, height: h, width: w, output: output,
                    scratch: scratch, relu: true)
                let tolerance: Float = precision == .fp16 ? 3e-3 : 1e-5
                assertClose(try download(output), floats(forward), relative: tolerance, "\(c)→\(k) \(h)×\(w) \(precision)")
                let gradInput = try library.gpu.buffer(Float.self, count: c * h * w)
                try Conv3x3.backwardInput(
                    library: winograd, layer: layer, gradOutput: try upload(gradOutput), height: h, width: w,
                    gradInput: gradInput, scratch: scratch)
                assertClose(
                    try download(gradInput), floats(backward), relative: tolerance, "\(c)→\(k) \(h)×\(w) \(precision) backward")
            }
        }
    }

    func testBiasReLUAndReLUBackward() throws {
        let (k, h, w) = (4, 5, 3)
        let input = random.array(k * h * w), bias = random.array(k, scale: 0.3)
        let layer = try DeviceConvLayer(
            library: library, inChannels: 1, outChannels: k, weights: [Float](repeating: 0, count: k * 9), bias: bias)
        // A zero filter leaves bias + ReLU: output = max(bias, 0) everywhere.
        let output = StoredBuffer.float(try library.gpu.buffer(Float.self, count: k * h * w))
        let scratch = ConvScratch(
            columns: try library.gpu.buffer(Float.self, count: 9 * ConvGEMM.paddedColumns(h * w, library: library)),
            weights: nil, outputBand: nil)
        try Conv3x3.forward(
            library: library, layer: layer, input: .float(try upload(random.array(h * w))), height: h, width: w,
            output: output, scratch: scratch, relu: true)
        XCTAssertEqual(try download(output), (0..<(k * h * w)).map { max(bias[$0 / (h * w)], 0) })

        let relu = StoredBuffer.float(try library.gpu.buffer(Float.self, count: input.count))
        try ReLU.forward(library: library, input: .float(try upload(input)), output: relu, count: input.count)
        XCTAssertEqual(try download(relu), floats(ReferenceLayers.reluForward(doubles(input))))
        let gradient = random.array(input.count)
        let gradientBuffer = try upload(gradient)
        try ReLU.backward(library: library, output: relu, gradient: gradientBuffer, count: input.count)
        let numeric = numericGradient(doubles(input), seed: doubles(gradient), ReferenceLayers.reluForward)
        assertClose(try download(gradientBuffer), floats(numeric), relative: 1e-6)
    }

    /// Both poolings on odd sizes; 37 columns also take max pooling's backward through its
    /// vector path (8 windows per work-item) and its scalar leftovers.
    func testPoolingForwardAndBackwardOnOddSizes() throws {
        for (c, h, w) in [(3, 7, 5), (2, 5, 37)] {
            for kind in Pooling.allCases {
                let input = random.array(c * h * w)
                let output = StoredBuffer.float(try library.gpu.buffer(Float.self, count: c * (h / 2) * (w / 2)))
                try Pool2x2.forward(
                    library: library, kind: kind, input: .float(try upload(input)), channels: c, height: h, width: w,
                    output: output)
                let forward = { (x: [Double]) in
                    ReferenceLayers.poolForward(x, channels: c, height: h, width: w, max: kind == .max)
                }
                assertClose(try download(output), floats(forward(doubles(input))), relative: 1e-6, "\(kind)")

                let gradOutput = random.array(c * (h / 2) * (w / 2))
                let gradInput = try library.gpu.buffer(Float.self, count: c * h * w)
                try gradInput.fill(.nan, queue: library.queue)  // every element must be written
                try Pool2x2.backward(
                    library: library, kind: kind, input: .float(try upload(input)), gradOutput: try upload(gradOutput),
                    channels: c, height: h, width: w, gradInput: gradInput)
                // Max pooling against the first-maximum rule itself: finite differences break down
                // wherever two values of a window lie within ε.
                let expected =
                    kind == .max
                    ? firstMaximumGradient(input, gradOutput: gradOutput, channels: c, height: h, width: w)
                    : floats(numericGradient(doubles(input), seed: doubles(gradOutput), forward))
                assertClose(try download(gradInput), expected, relative: 1e-6, "\(kind) \(c)×\(h)×\(w)")
            }
        }
    }

    /// Max pooling's gradient: each window's output gradient to its first maximum (row-major).
    func firstMaximumGradient(_ input: [Float], gradOutput: [Float], channels: Int, height: Int, width: Int) -> [Float] {
        let (outH, outW) = (height / 2, width / 2)
        var gradient = [Float](repeating: 0, count: input.count)
        for c in 0..<channels {
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let corners = [(0, 0), (0, 1), (1, 0), (1, 1)].map { (c * height + 2 * oy + $0.0) * width + 2 * ox + $0.1 }
                    let largest = corners.map { input[$0] }.max()!
                    let first = corners.first { input[$0] == largest }!
                    gradient[first] = gradOutput[(c * outH + oy) * outW + ox]
                }
            }
        }
        return gradient
    }

    /// Ties everywhere (values 0 and 1): each window's gradient goes to its first maximum in
    /// row-major order, in the vector path and the scalar one alike.
    func testMaxPoolBackwardTiesInWideRows() throws {
        let (c, h, w) = (2, 4, 35)
        let input = (0..<(c * h * w)).map { _ in Float(random.next() > 0 ? 1 : 0) }
        let (outH, outW) = (h / 2, w / 2)
        let gradOutput = random.array(c * outH * outW)
        let expected = firstMaximumGradient(input, gradOutput: gradOutput, channels: c, height: h, width: w)
        let gradInput = try library.gpu.buffer(Float.self, count: c * h * w)
        try gradInput.fill(.nan, queue: library.queue)
        try Pool2x2.backward(
            library: library, kind: .max, input: .float(try upload(input)), gradOutput: try upload(gradOutput),
            channels: c, height: h, width: w, gradInput: gradInput)
        XCTAssertEqual(try download(gradInput), expected)
    }

    /// Dot products (float and stored), Σ|a| and max|a| against Double sums, with both ways of
    /// reducing, at lengths that leave partial vectors and empty chunks.
    func testReductionsMatchTheCPU() throws {
        for kind in ReductionKind.allCases {
            for precision in Precision.allCases {
                let library = KernelLibrary(gpu: self.library.gpu, precision: precision, reductions: kind)
                let scalars = try DeviceScalars(library: library)
                let slot = try scalars.reserve(4)
                for n in [1, 17, 1000, 100_003] {
                    let a = random.array(n), b = random.array(n)
                    let stored = try StoredBuffer.storing(try upload(a), library: library)
                    let storedValues = try stored.downloadFloats(library: library)
                    try scalars.dot(try upload(a), try upload(b), count: n, slot: slot)
                    try scalars.dot(stored, try upload(b), count: n, slot: slot + 1)
                    try scalars.absoluteSum(try upload(a), count: n, slot: slot + 2)
                    try scalars.finish(slot, count: 3)
                    try scalars.maxAbsolute(try upload(a), count: n, slot: slot + 3, multiplier: 2)
                    let values = try scalars.read()
                    let label = "\(kind) \(precision) n \(n)"
                    let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    let storedDot = zip(storedValues, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                    let absSum = a.reduce(0.0) { $0 + abs(Double($1)) }
                    // Σ|a·b| bounds the rounding of both dots.
                    let scale = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
                    XCTAssertEqual(Double(values[slot]), dot, accuracy: 1e-5 * scale, label)
                    XCTAssertEqual(Double(values[slot + 1]), storedDot, accuracy: 1e-5 * scale, label + " stored")
                    XCTAssertEqual(Double(values[slot + 2]), absSum, accuracy: 1e-5 * absSum, label + " Σ|a|")
                    XCTAssertEqual(values[slot + 3], 2 * a.map(abs).max()!, label + " max|a|")
                }
            }
        }
    }

    func testMaxPoolTiesGoToTheFirstMaximum() throws {
        let input: [Float] = [1, 1, 1, 1]
        let gradInput = try library.gpu.buffer(Float.self, count: 4)
        try Pool2x2.backward(
            library: library, kind: .max, input: .float(try upload(input)), gradOutput: try upload([3]), channels: 1,
            height: 2, width: 2, gradInput: gradInput)
        XCTAssertEqual(try download(gradInput), [3, 0, 0, 0])
    }

    /// Both Gram paths (CLBlast's GEMM; kernels/gram.cl on CPUs), float and half features:
    /// positions not a multiple of 16, channels not of 4; and a forward long enough for the
    /// CPU path to sum three chunks of positions.
    func testGramForwardAndBackward() throws {
        let (c, p) = (5, 523)
        let features = random.array(c * p)
        let forward = { (x: [Double]) in ReferenceLayers.gram(x, channels: c) }
        // dG symmetric, as the style loss produces it.
        var gradGram = random.array(c * c)
        for i in 0..<c { for j in 0..<i { gradGram[i * c + j] = gradGram[j * c + i] } }
        let start = random.array(c * p)
        let numeric = numericGradient(doubles(features), seed: doubles(gradGram), forward)
        for backend in GEMMBackend.allCases {
            for precision in Precision.allCases {
                let library = KernelLibrary(gpu: self.library.gpu, precision: precision, gemm: backend)
                let label = "\(backend) \(precision)"
                let tolerance: Float = precision == .fp32 ? 1e-5 : 2e-3
                let stored = try StoredBuffer.storing(try upload(features), library: library)
                let gram = try library.gpu.buffer(Float.self, count: c * c)
                let scratch = try library.gpu.buffer(Float.self, count: 2 * c * c)
                try Gram.forward(library: library, features: stored, channels: c, positions: p, gram: gram, scratch: scratch)
                assertClose(try download(gram), floats(forward(doubles(features))), relative: tolerance, label)

                let gradFeatures = try upload(start)
                try Gram.backward(
                    library: library, gradGram: try upload(gradGram), features: stored, channels: c,
                    positions: p, gradFeatures: gradFeatures, scratch: scratch)
                assertClose(
                    try download(gradFeatures), zip(start, floats(numeric)).map(+), relative: 10 * tolerance,
                    label + " accumulates")

                let (longC, longP) = (6, 50_000)
                let long = random.array(longC * longP)
                let longGram = try library.gpu.buffer(Float.self, count: longC * longC)
                try Gram.forward(
                    library: library, features: try StoredBuffer.storing(try upload(long), library: library),
                    channels: longC, positions: longP, gram: longGram,
                    scratch: try library.gpu.buffer(Float.self, count: 3 * longC * longC))
                assertClose(
                    try download(longGram), floats(ReferenceLayers.gram(doubles(long), channels: longC)),
                    relative: tolerance, label + " chunks")
            }
        }
    }

    /// Each loss term and its gradient, with both ways of reducing (tree: GPUs; chunked: CPUs).
    func testLossTermsAndTheirGradients() throws {
        for kind in ReductionKind.allCases {
            let library = KernelLibrary(gpu: self.library.gpu, reductions: kind)
            let scalars = try DeviceScalars(library: library)
            let slot = try scalars.reserve(3)
            let (c, h, w) = (3, 6, 5)
            let n = c * h * w
            let features = random.array(n), target = random.array(n)
            let contentGradient = try library.gpu.buffer(Float.self, count: n)
            try contentGradient.fill(0, queue: library.queue)
            try LossTerms.content(
                library: library, features: .float(try upload(features)), target: try upload(target), count: n, weight: 5,
                gradient: contentGradient, scalars: scalars, slot: slot)
            let gram = random.array(16), gramTarget = random.array(16)
            let gradGram = try library.gpu.buffer(Float.self, count: 16)
            try LossTerms.styleGram(
                library: library, gram: try upload(gram), target: try upload(gramTarget), channels: 4, weight: 100,
                gradGram: gradGram, scalars: scalars, slot: slot + 1)
            let image = random.array(n, scale: 50)
            let tvGradient = try library.gpu.buffer(Float.self, count: n)
            try tvGradient.fill(0, queue: library.queue)
            try LossTerms.totalVariation(
                library: library, image: try upload(image), channels: c, height: h, width: w, weight: 1e-3,
                gradient: tvGradient, scalars: scalars, slot: slot + 2)
            try scalars.finish(slot, count: 3)
            let sums = try scalars.read()

            let content = ReferenceLosses.content(doubles(features), target: doubles(target), weight: 5)
            XCTAssertEqual(5 * Double(sums[slot]) / Double(n), content.loss, accuracy: 1e-5 * content.loss)
            assertClose(try download(contentGradient), floats(content.gradient), relative: 1e-5)
            let numericContent = numericGradient(doubles(features), seed: [1]) { [ReferenceLosses.content($0, target: doubles(target), weight: 5).loss] }
            assertClose(floats(content.gradient), floats(numericContent), relative: 1e-5)

            let style = ReferenceLosses.style(doubles(gram), target: doubles(gramTarget), weight: 100)
            XCTAssertEqual(100 * Double(sums[slot + 1]) / 16, style.loss, accuracy: 1e-5 * style.loss)
            assertClose(try download(gradGram), floats(style.gradient), relative: 1e-5)

            let tv = ReferenceLosses.totalVariation(doubles(image), channels: c, height: h, width: w, weight: 1e-3)
            XCTAssertEqual(1e-3 / 2 * Double(sums[slot + 2]), tv.loss, accuracy: 1e-5 * tv.loss)
            let numericTV = numericGradient(doubles(image), seed: [1], epsilon: 1e-3) {
                [ReferenceLosses.totalVariation($0, channels: c, height: h, width: w, weight: 1e-3).loss]
            }
            assertClose(try download(tvGradient), floats(numericTV), relative: 1e-4)
        }
    }

    func testDequantizedWeightsEqualTableAtIndexExactly() throws {
        let count = 3 * 7 * 9 + 5
        let indices = (0..<count).map { _ in UInt8.random(in: 0...255) }
        let table = random.array(256, scale: 0.2)
        let weights = try VGG19Loader.dequantize(library: library, indices: indices, table: table)
        XCTAssertEqual(try download(weights).map(\.bitPattern), indices.map { table[Int($0)].bitPattern })
    }
}
