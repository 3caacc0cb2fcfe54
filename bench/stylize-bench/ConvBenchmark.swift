import CLRuntime
import Foundation
import StyleEngine

/// One forward 3×3 convolution at each of VGG19's layer shapes (256² input), by every path
/// the engine has, each checked against a CPU computation of a few outputs before it is
/// timed. GFLOP/s count a direct convolution's FLOPs (2·K·C·9·H·W), whatever the path does.
struct ConvBenchmark {
    struct Row: Codable {
        let layer: String
        let inChannels: Int
        let outChannels: Int
        let height: Int
        let width: Int
        /// GFLOP/s by path ("direct", "im2col+packed", …).
        let gflops: [String: Double]
    }

    static let paths: [(name: String, algorithm: ConvolutionAlgorithm, gemm: GEMMBackend)] = [
        ("direct", .direct, .packed), ("im2col+packed", .im2col, .packed), ("im2col+CLBlast", .im2col, .clblast),
        ("Winograd+packed", .winograd, .packed), ("Winograd+CLBlast", .winograd, .clblast),
    ]

    /// (layer, C, K, H = W) at 256² input.
    static let shapes: [(String, Int, Int, Int)] = [
        ("conv1_2", 64, 64, 256), ("conv2_2", 128, 128, 128), ("conv3_2", 256, 256, 64), ("conv4_2", 512, 512, 32),
        ("conv5_1", 512, 512, 16),
    ]

    let gpu: ComputeDevice
    let repeats = 3

    func run() throws -> [Row] {
        try Self.shapes.map { name, c, k, size in
            let input = (0..<(c * size * size)).map { Float(($0 * 7) % 13) / 13 - 0.5 }
            let weights = (0..<(k * c * 9)).map { Float(($0 * 5) % 11) / 110 - 0.05 }
            let bias = (0..<k).map { Float($0 % 3) / 10 }
            let inputBuffer = try gpu.buffer(input)
            let output = try gpu.buffer(Float.self, count: k * size * size)
            let tiles = (size + 1) / 2 * ((size + 1) / 2)
            let scratch = ConvScratch(
                columns: try gpu.buffer(Float.self, count: max(c * 9 * (size * size + 48), 16 * c * (tiles + 48))),
                weights: try gpu.buffer(Float.self, count: 16 * (k + 12) * (c + 12)), outputBand: nil,
                products: try gpu.buffer(Float.self, count: 16 * k * tiles))
            let flops = 2 * Double(k * c * 9 * size * size)
            var gflops: [String: Double] = [:]
            for path in Self.paths {
                let library = KernelLibrary(gpu: gpu, convolution: path.algorithm, gemm: path.gemm)
                let layer = try DeviceConvLayer(library: library, inChannels: c, outChannels: k, weights: weights, bias: bias)
                let convolve = {
                    try Conv3x3.forward(
                        library: library, layer: layer, input: .float(inputBuffer), height: size, width: size,
                        output: .float(output), scratch: scratch, relu: false)
                }
                try convolve()
                // Correctness first: a few outputs against a Double sum.
                let result = try output.download(queue: gpu.queue)
                for (channel, y, x) in [(0, 0, 0), (k - 1, size - 1, size - 1), (k / 2, size / 3, size / 2)] {
                    var expected = Double(bias[channel])
                    for ci in 0..<c {
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let sy = y + ky - 1, sx = x + kx - 1
                                guard sy >= 0, sy < size, sx >= 0, sx < size else { continue }
                                expected += Double(weights[((channel * c + ci) * 3 + ky) * 3 + kx])
                                    * Double(input[(ci * size + sy) * size + sx])
                            }
                        }
                    }
                    let actual = Double(result[(channel * size + y) * size + x])
                    guard abs(actual - expected) <= 1e-3 * max(1, abs(expected)) else {
                        throw BenchFailure("\(path.name) \(name) is wrong at (\(channel), \(y), \(x)): \(actual) vs \(expected)")
                    }
                }
                let start = Date()
                for _ in 0..<repeats { try convolve() }
                try gpu.finish()
                gflops[path.name] = flops / (Date().timeIntervalSince(start) / Double(repeats)) / 1e9
            }
            return Row(layer: name, inChannels: c, outChannels: k, height: size, width: size, gflops: gflops)
        }
    }
}
