import CLRuntime
import Foundation
import StyleEngine
import TestSupport
import XCTest

/// Pruned networks against the CPU reference on their own shapes, R = 0 against the network
/// itself, pruned and quantized files through the loader.
final class CompressionTests: XCTestCase {
    func sample(_ name: String, side: Int) throws -> PreparedImage {
        PreparedImage(try EngineTestDevice.sample(name).resized(width: side, height: side))
    }

    func temporaryFile(_ name: String) -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "stylize-compression-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory.appending(path: name)
    }

    func testKeptCountsRoundUpToMultiplesOfFourAndRankByL1() {
        XCTAssertEqual([64, 128, 256, 512].map { ChannelPruning.keptCount(channels: $0, ratio: 0.5) }, [32, 64, 128, 256])
        XCTAssertEqual([64, 128, 256, 512].map { ChannelPruning.keptCount(channels: $0, ratio: 0.3) }, [48, 92, 180, 360])
        XCTAssertEqual([64, 128, 256, 512].map { ChannelPruning.keptCount(channels: $0, ratio: 0.7) }, [20, 40, 80, 156])
        XCTAssertEqual([3, 6, 64].map { ChannelPruning.keptCount(channels: $0, ratio: 0) }, [3, 6, 64])
        XCTAssertEqual(ChannelPruning.keptCount(channels: 6, ratio: 0.9), 4)
        // Channel k's filter is all (k − 2)'s codes: L1 norms 2, 1, 0, 1, 2, 3 keep 5, 4, 0, 1.
        let table = (0..<256).map { Float($0 - 128) }
        let layer = VGG19Weights.Layer(
            name: "conv1_1", inChannels: 1, outChannels: 6, indices: (0..<6).flatMap { Array(repeating: UInt8(126 + $0), count: 9) },
            table: table, bias: [0, 1, 2, 3, 4, 5])
        let weights = VGG19Weights(layers: [layer])
        XCTAssertEqual(ChannelPruning.l1Scores(weights)[0], [18, 9, 0, 9, 18, 27])
        XCTAssertEqual(ChannelPruning.keep(scores: ChannelPruning.l1Scores(weights), ratio: 0.4), [[0, 1, 4, 5]])
    }

    /// VGG19 pruned by half (L1): every activation through relu5_1 as the CPU computes it
    /// with the same pruned layers.
    func testPrunedForwardMatchesReferenceOnPrunedShapes() throws {
        let weights = try EngineTestDevice.realWeights().pruned(PruningSettings(ratio: 0.5)) { _ in [] }
        XCTAssertEqual(weights.channels, [32, 32, 64, 64, 128, 128, 128, 128, 256, 256, 256, 256, 256])
        let library = try EngineTestDevice.library()
        let network = try VGG19Loader.network(library: library, weights: weights, pooling: .max)
        let image = try sample("chelsea", side: 32)
        let layers = ["relu1_1", "pool1", "relu3_1", "relu4_2", "relu5_1"]
        let pass = try NetworkPass(network: network, height: 32, width: 32, layers: layers, backward: false)
        try pass.forward(image: try library.gpu.buffer(image.pixels))
        let cpu = ReferenceVGG(weights).forward(
            image.pixels.map(Double.init), height: 32, width: 32, through: VGG19Layers.position(of: "relu5_1")!)
        for name in layers {
            let expected = cpu[VGG19Layers.position(of: name)!]
            XCTAssertEqual(pass.activation(name).channels, expected.channels, name)
            assertClose(
                try pass.activation(name).buffer.downloadFloats(library: library), expected.values.map(Float.init),
                relative: 1e-4, name)
        }
    }

    /// What pruning means: the pruned network computes, at the channels it keeps, what the whole
    /// network computes with the removed channels' filters and biases zeroed (the CPU reference).
    func testPruningEqualsZeroingTheRemovedChannels() throws {
        let full = try EngineTestDevice.realWeights()
        let keep = ChannelPruning.keep(scores: ChannelPruning.l1Scores(full), ratio: 0.5)
        let pruned = full.pruned(keeping: keep)
        let zeroed = ReferenceVGG(
            layers: zip(full.layers, keep).map { layer, kept in
                let rowLength = layer.inChannels * 9
                let values = layer.dequantized()
                let removed = Set(0..<layer.outChannels).subtracting(kept)
                return ReferenceVGG.Layer(
                    inChannels: layer.inChannels, outChannels: layer.outChannels,
                    weights: values.indices.map { removed.contains($0 / rowLength) ? 0 : Double(values[$0]) },
                    bias: layer.bias.indices.map { removed.contains($0) ? 0 : Double(layer.bias[$0]) })
            }, maxPooling: true)
        let library = try EngineTestDevice.library()
        let network = try VGG19Loader.network(library: library, weights: pruned, pooling: .max)
        let image = try sample("chelsea", side: 32)
        let layers = ["pool1", "relu3_1", "relu5_1"]
        let pass = try NetworkPass(network: network, height: 32, width: 32, layers: layers, backward: false)
        try pass.forward(image: try library.gpu.buffer(image.pixels))
        let cpu = zeroed.forward(
            image.pixels.map(Double.init), height: 32, width: 32, through: VGG19Layers.position(of: "relu5_1")!)
        for name in layers {
            let whole = cpu[VGG19Layers.position(of: name)!]
            let convolution = VGG19Layers.all[...VGG19Layers.position(of: name)!].compactMap { layer -> Int? in
                if case .convolution(let index) = layer.kind { index } else { nil }
            }.last!
            let positions = whole.height * whole.width
            let expected = keep[convolution].flatMap { whole.values[($0 * positions)..<(($0 + 1) * positions)] }
            assertClose(
                try pass.activation(name).buffer.downloadFloats(library: library), expected.map(Float.init),
                relative: 1e-4, name)
        }
    }

    /// The pruned network's loss parts and gradient with respect to the image (VGG19 backward
    /// through every pruned layer) against the CPU reference, for both criteria.
    func testPrunedLossAndGradientMatchReference() throws {
        let full = try EngineTestDevice.realWeights()
        let content = try sample("astronaut", side: 32)
        let style = try sample("ihc", side: 24)
        for (ratio, criterion) in [(0.7, PruningCriterion.l1), (0.5, .activation)] {
            let library = try EngineTestDevice.library()
            let weights = try full.pruned(PruningSettings(ratio: ratio, criterion: criterion)) { unpruned in
                try ChannelPruning.activationScores(
                    network: VGG19Loader.network(library: library, weights: unpruned, pooling: .max),
                    images: [content, style])
            }
            XCTAssertEqual(weights.channels.first, ChannelPruning.keptCount(channels: 64, ratio: ratio))
            let settings = LossSettings()
            var random = TestRandom(seed: 5)
            let initial = content.pixels.map { $0 + 10 * random.next() }
            let session = try EngineSession(
                library: library, network: VGG19Loader.network(library: library, weights: weights, pooling: .max))
            let targets = try StyleTargets.compute(
                session: session, styles: [style], blendWeights: [1], layers: settings.styleLayers, scratchLimit: 1 << 24)
            let objective = try StyleObjective(
                session: session, targets: targets, content: content, settings: settings, scratchLimit: 1 << 24)
            let image = try library.gpu.buffer(initial)
            let gradient = try library.gpu.buffer(Float.self, count: initial.count)
            try objective.evaluate(image: image, gradient: gradient)
            let device = objective.lossParts(from: try session.scalars.read())

            let cpuNetwork = ReferenceVGG(weights)
            let styles = [(style.pixels.map(Double.init), 24, 24, 1.0)]
            let cpu = cpuNetwork.loss(
                image: initial.map(Double.init), content: content.pixels.map(Double.init), styles: styles, height: 32,
                width: 32, settings: settings)
            XCTAssertEqual(device.content, cpu.content, accuracy: 1e-4 * cpu.content, "\(criterion)")
            XCTAssertEqual(device.style, cpu.style, accuracy: 1e-4 * cpu.style, "\(criterion)")
            XCTAssertEqual(device.totalVariation, cpu.totalVariation, accuracy: 1e-4 * cpu.totalVariation)
            let cpuGradient = cpuNetwork.lossGradient(
                image: initial.map(Double.init), content: content.pixels.map(Double.init), styles: styles, height: 32,
                width: 32, settings: settings)
            assertClose(
                try gradient.download(queue: library.queue), cpuGradient.map(Float.init), relative: 1e-3,
                "gradient, \(criterion)")
        }
    }

    /// R = 0 keeps every channel in order: the same codes, and the very same losses, bit for
    /// bit, over a few L-BFGS iterations.
    func testPruningByZeroIsBitIdentical() throws {
        let full = try EngineTestDevice.realWeights()
        let kept = full.pruned(keeping: ChannelPruning.keep(scores: ChannelPruning.l1Scores(full), ratio: 0))
        for (a, b) in zip(full.layers, kept.layers) {
            XCTAssertEqual(a.indices, b.indices)
            XCTAssertEqual(a.table, b.table)
            XCTAssertEqual(a.bias, b.bias)
        }
        XCTAssertEqual(full.pruned(PruningSettings(ratio: 0)) { _ in XCTFail("no scores for R = 0"); return [] }.channels, full.channels)
        let content = try sample("astronaut", side: 32)
        let style = try sample("ihc", side: 24)
        func losses(_ weights: VGG19Weights) throws -> [LossParts] {
            let library = try EngineTestDevice.library()
            let session = try EngineSession(
                library: library, network: VGG19Loader.network(library: library, weights: weights, pooling: .max))
            let settings = LossSettings()
            let targets = try StyleTargets.compute(
                session: session, styles: [style], blendWeights: [1], layers: settings.styleLayers, scratchLimit: 1 << 24)
            let objective = try StyleObjective(
                session: session, targets: targets, content: content, settings: settings, scratchLimit: 1 << 24)
            let loop = try OptimizationLoop(session: session, objective: objective, optimizer: OptimizerSettings(), initial: content)
            return try loop.run(iterations: 3).losses
        }
        let (a, b) = (try losses(full), try losses(kept))
        XCTAssertEqual(a.map(\.total.bitPattern), b.map(\.total.bitPattern))
        XCTAssertEqual(a.map(\.style.bitPattern), b.map(\.style.bitPattern))
        XCTAssertGreaterThan(a.count, 3)
    }

    /// A pruned file loads with its own channel counts and the same values; one whose layers
    /// disagree is refused in one line that names the layer.
    func testPrunedFileLoadsAndInconsistentChannelsAreRefused() throws {
        let full = try EngineTestDevice.realWeights()
        let pruned = full.pruned(PruningSettings(ratio: 0.3), scores: ChannelPruning.l1Scores(full))
        let url = temporaryFile("pruned.safetensors")
        try pruned.write(to: url, metadata: ["pruning": "0.3 l1"])
        let loaded = try VGG19Weights.load(from: url, convolutionCount: 13)
        XCTAssertEqual(loaded.channels, pruned.channels)
        XCTAssertEqual(loaded.layers.map(\.indices), pruned.layers.map(\.indices))
        XCTAssertEqual(try SafeTensorsFile(path: url.path).metadata["format"], VGG19Weights.fileFormat)

        // conv1_2 keeps its 48 outputs but drops one input: conv1_1 gives 48.
        var layers = pruned.layers
        let conv12 = layers[1]
        let narrow = conv12.inChannels - 1
        layers[1] = VGG19Weights.Layer(
            name: conv12.name, inChannels: narrow, outChannels: conv12.outChannels,
            indices: Array(conv12.indices.prefix(conv12.outChannels * narrow * 9)), table: conv12.table, bias: conv12.bias)
        let bad = temporaryFile("bad.safetensors")
        try VGG19Weights(layers: layers).write(to: bad)
        XCTAssertThrowsError(try VGG19Weights.load(from: bad)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("conv1_2.weight_index has 47 input channels but the previous layer has 48"), message)
            XCTAssertFalse(message.contains("\n"))
        }
    }

    /// Each method: quantize → write → load → dequantize on the device, every weight within
    /// the method's bound (half a step; k-means: the nearest centroid), and k-means of weights
    /// with ≤ 256 distinct values exact.
    func testEveryQuantizationRoundTripsWithinItsBound() throws {
        let full = try EngineTestDevice.realWeights()
        var random = TestRandom(seed: 3)
        // The real conv1_1 … conv2_2, and a skewed random layer (asymmetric range, one loud channel).
        var floats = random.array(6 * 3 * 9, scale: 0.1).map { $0 + 0.05 }
        for i in 0..<27 { floats[i] *= 20 }
        let synthetic = VGG19Weights.Layer(
            name: "conv1_1", inChannels: 3, outChannels: 6, indices: Array(repeating: 0, count: floats.count),
            table: Array(repeating: 0, count: 256), bias: random.array(6))
        let networks: [(layers: [VGG19Weights.Layer], floats: [[Float]])] = [
            (Array(full.layers.prefix(4)), full.layers.prefix(4).map { $0.dequantized() }), ([synthetic], [floats]),
        ]
        let library = try EngineTestDevice.library()
        for method in QuantizationMethod.allCases {
            for (sources, values) in networks {
                let quantized = zip(sources, values).map { source, weights in
                    Quantizer.quantize(
                        name: source.name, inChannels: source.inChannels, outChannels: source.outChannels,
                        weights: weights, bias: source.bias, method: method)
                }
                let url = temporaryFile("q.safetensors")
                try VGG19Weights(layers: quantized).write(to: url)
                let file = try VGG19Weights.load(from: url, convolutionCount: quantized.count)
                for ((layer, loaded), weights) in zip(zip(quantized, file.layers), values) {
                    XCTAssertEqual(layer.encoding.method, method)
                    XCTAssertEqual(loaded.encoding, layer.encoding)
                    XCTAssertEqual(loaded.bias, layer.bias)
                    let restored = try VGG19Loader.dequantize(
                        library: library, indices: loaded.indices, table: loaded.table, rowLength: loaded.tableRowLength
                    ).download(queue: library.queue)
                    XCTAssertEqual(restored, layer.dequantized(), "device and host expand alike")
                    let context = "\(method.rawValue) \(layer.name) \(layer.outChannels)×\(layer.inChannels)"
                    let rowLength = layer.inChannels * 9
                    if let bounds = Quantizer.errorBound(method: method, weights: weights, outChannels: layer.outChannels) {
                        var worst: Float = 0
                        for (i, (w, r)) in zip(weights, restored).enumerated() {
                            let bound = bounds.count == 1 ? bounds[0] : bounds[i / rowLength]
                            worst = max(worst, abs(w - r) / bound)
                        }
                        XCTAssertLessThanOrEqual(worst, 1 + 1e-5, context)
                        XCTAssertGreaterThan(worst, 0.5, "the bound is tight: \(context)")
                    } else {
                        let table = Set(loaded.table)
                        for (w, r) in zip(weights, restored) {
                            let nearest = table.map { abs(w - $0) }.min()!
                            XCTAssertLessThanOrEqual(abs(w - r), nearest * (1 + 1e-6) + 1e-9, context)
                        }
                        if Set(weights).count <= 256 { XCTAssertEqual(restored, weights, context) }
                    }
                }
            }
        }
    }

    /// At R = 0.5 every convolution but the first does a quarter of the work.
    func testFLOPsOfHalfPrunedNetworkFallToAboutAQuarter() {
        let settings = LossSettings()
        let channels = PruningSettings(ratio: 0.5).keptChannels(VGG19Layers.channels)
        let full = FLOPModel.perIteration(height: 512, width: 512, settings: settings)
        let pruned = FLOPModel.perIteration(height: 512, width: 512, settings: settings, channels: channels)
        XCTAssertEqual(pruned / full, 0.25, accuracy: 0.02)
        let plan = { (channels: [Int]?) in
            MemoryPlan(
                convolutionCount: 13, optimizer: .lbfgs, historySize: 100, precision: .fp32, convolution: .direct,
                channels: channels
            ).bytes(height: 512, width: 512, scratchLimit: 1 << 24)
        }
        XCTAssertLessThan(plan(channels), plan(nil))
    }
}
