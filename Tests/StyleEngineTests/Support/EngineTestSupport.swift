import CLRuntime
import Foundation
import StyleEngine
import TestSupport
import XCTest

/// The device the engine tests run on: `STYLIZE_GPU_TEST_DEVICE` (default 0: PoCL in CI).
enum EngineTestDevice {
    static var index: Int { Int(ProcessInfo.processInfo.environment["STYLIZE_GPU_TEST_DEVICE"] ?? "") ?? 0 }

    static func library() throws -> KernelLibrary {
        KernelLibrary(gpu: try ComputeDevice(device: DeviceInventory.device(at: index)))
    }

    /// The fetched VGG19 weights (the first 13 layers, through relu5_1), or a skip.
    static func realWeights() throws -> VGG19Weights {
        guard let url = try? VGG19Weights.locate(explicitPath: nil) else {
            throw XCTSkip("VGG19 weights are not fetched (scripts/fetch-weights); scripts/test fetches them")
        }
        return try VGG19Weights.load(from: url, convolutionCount: 13)
    }

    /// A bundled sample image.
    static func sample(_ name: String) throws -> RGBImage {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../../samples/\(name).png")
        return try ImageFile.read(path: path.standardized.path)
    }

    /// A session with the real weights on the test device.
    static func session() throws -> EngineSession {
        try EngineSession(device: DeviceInventory.device(at: index), weights: realWeights())
    }
}


/// A VGG19-shaped network with few channels and random weights, so whole-network tests run
/// in a second: 16 convolutions whose block widths are `blockChannels`.
struct TinyVGG {
    let blockChannels: [Int]
    /// Per convolution: (inChannels, outChannels, weights K×C×9, bias K).
    let layers: [(inChannels: Int, outChannels: Int, weights: [Float], bias: [Float])]

    init(blockChannels: [Int] = [4, 6, 8, 8, 8], seed: UInt64 = 7) {
        self.blockChannels = blockChannels
        var random = TestRandom(seed: seed)
        var layers: [(Int, Int, [Float], [Float])] = []
        var channels = 3
        for (block, count) in VGG19Layers.convolutionsPerBlock.enumerated() {
            for _ in 0..<count {
                let out = blockChannels[block]
                // He-style scale keeps activations from vanishing or exploding through 16 layers.
                let scale = Float((6.0 / Double(channels * 9)).squareRoot())
                layers.append((channels, out, random.array(out * channels * 9, scale: scale), random.array(out, scale: 0.1)))
                channels = out
            }
        }
        self.layers = layers
    }

    func network(library: KernelLibrary, pooling: Pooling = .max, count: Int = 16) throws -> VGG19Network {
        let convolutions = try layers.prefix(count).map {
            try DeviceConvLayer(
                library: library, inChannels: $0.inChannels, outChannels: $0.outChannels, weights: $0.weights,
                bias: $0.bias)
        }
        return VGG19Network(library: library, convolutions: convolutions, pooling: pooling)
    }
}

