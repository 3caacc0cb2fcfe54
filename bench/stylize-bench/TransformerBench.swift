import CLRuntime
import FastStyle
import Foundation
import StyleEngine

/// `stylize-bench --transformer`: pytorch/examples' TransformerNet (PyTorch's initialization) on the
/// device: apply at each size in each precision, a training step (forward keeping
/// activations and backward to every weight; sizes up to 256), and with --profile each layer's convolution
/// alone at several blockings (StridedConvTuning), to see where the time goes.
struct TransformerBench {
    let gpu: ComputeDevice
    let repeats: Int

    /// Training steps are timed up to this side (TransformerNet trains at 256²).
    static let largestTrainingSize = 256

    struct Row: Codable {
        let size: Int
        let precision: String
        /// Median seconds of one apply of one image, and of one training step (FP32 only).
        let applySeconds: Double
        let trainSeconds: Double?
    }

    func seconds(_ body: () throws -> Void) throws -> Double { try medianSeconds(gpu: gpu, repeats: repeats, body) }

    func run(sizes: [Int], precisions: [Precision], train: Bool) throws -> [Row] {
        let weights = TransformerTrainer.initialWeights(seed: 0)  // as PyTorch initializes a fresh network
        var rows: [Row] = []
        for size in sizes {
            let image = try gpu.buffer((0..<(3 * size * size)).map { Float(($0 * 37) % 256) })
            for precision in precisions {
                let library = KernelLibrary(gpu: gpu, precision: precision)
                let network = try TransformerNetwork(library: library, weights: weights)
                let output = try gpu.buffer(Float.self, count: network.outputShape(height: size, width: size).count)
                let apply = try seconds {
                    try network.forward(image: image, height: size, width: size, output: output)
                }
                var trainSeconds: Double?
                if train && precision == .fp32 && size <= Self.largestTrainingSize {
                    try network.parameters.makeGradients()
                    trainSeconds = try seconds {
                        try network.forward(image: image, height: size, width: size, output: output, training: true)
                        try network.backward(gradOutput: output)
                    }
                }
                let row = Row(size: size, precision: precision.rawValue, applySeconds: apply, trainSeconds: trainSeconds)
                print(
                    "\(size)² \(precision.rawValue): apply \(String(format: "%.3f", apply)) s"
                        + (trainSeconds.map { String(format: ", training step %.3f s", $0) } ?? ""))
                rows.append(row)
            }
        }
        return rows
    }

    static let profileTunings =
        [(8, 8), (4, 16), (6, 16)].flatMap { channels, pixels in
            [1, nil].map { StridedConvTuning(channelBlock: channels, pixelBlock: pixels, groupsPerItem: $0) }
        } + [4, 6, 8, 12].map { StridedConvTuning(channelBlock: $0, winograd: true) }

    /// Each distinct layer shape's convolution alone (FP32 forward) at `size`², in GFLOP/s
    /// per blocking, then its backward to the input and to the weights and bias at the
    /// default blocking (GFLOP/s of the forward's FLOPs).
    func profile(size: Int, tunings: [StridedConvTuning] = Self.profileTunings) throws {
        print(
            "(the network uses StridedConvTuning.default(for:): Winograd KB 6 for 3×3/1, else up to 4 channels × 16 pixels, "
                + "every group per work-item on CPUs)")
        let library = KernelLibrary(gpu: gpu)
        // (name, C, K, k, stride, input side before padding)
        let layers: [(String, Int, Int, Int, Int, Int)] = [
            ("conv1", 3, 32, 9, 1, size), ("conv2", 32, 64, 3, 2, size), ("conv3", 64, 128, 3, 2, size / 2),
            ("res ×10", 128, 128, 3, 1, size / 4), ("deconv1", 128, 64, 3, 1, size / 2),
            ("deconv2", 64, 32, 3, 1, size), ("deconv3", 32, 3, 9, 1, size),
        ]
        print("convolution GFLOP/s at \(size)² (FP32 forward): " + tunings.map(\.description).joined(separator: " | "))
        for (name, c, k, kernel, stride, side) in layers {
            let shape = StridedConvShape(
                inChannels: c, outChannels: k, kernelSize: kernel, stride: stride, inHeight: side + 2 * (kernel / 2),
                inWidth: side + 2 * (kernel / 2))
            let input = StoredBuffer.float(try gpu.buffer((0..<shape.input.count).map { Float($0 % 7) / 7 }))
            let weights = ParameterSlice(try gpu.buffer((0..<shape.weightCount).map { Float($0 % 5) / 50 }))
            let bias = ParameterSlice(try gpu.buffer([Float](repeating: 0.1, count: k)))
            let output = StoredBuffer.float(try gpu.buffer(Float.self, count: shape.output.count))
            let flops = 2 * Double(shape.weightCount) * Double(shape.outHeight * shape.outWidth)
            let workspace = try gpu.buffer(Float.self, count: max(shape.forwardWorkspaceCount, shape.backwardInputWorkspaceCount))
            let rates = try tunings.map { tuning in
                if tuning.winograd && !Winograd4Convolution.applies(to: shape) { return "–" }
                let time = try seconds {
                    try StridedConvolution.forward(
                        library: library, shape: shape, input: input, weights: weights, bias: bias, output: output,
                        tuning: tuning, workspace: workspace)
                }
                return String(format: "%.1f", flops / time / 1e9)
            }
            let gradOutput = try gpu.buffer((0..<shape.output.count).map { Float($0 % 11) / 11 - 0.5 })
            let gradInput = try gpu.buffer(Float.self, count: shape.input.count)
            let gradWeights = ParameterSlice(try gpu.buffer(Float.self, count: shape.weightCount))
            let gradBias = ParameterSlice(try gpu.buffer(Float.self, count: k))
            let backInput = try seconds {
                try StridedConvolution.backwardInput(
                    library: library, shape: shape, gradOutput: gradOutput, weights: weights, gradInput: gradInput,
                    workspace: workspace)
            }
            let backWeights = try seconds {
                try StridedConvolution.backwardWeights(
                    library: library, shape: shape, input: input, gradOutput: gradOutput, gradWeights: gradWeights,
                    gradBias: gradBias)
            }
            print(
                "  \(name) \(c)→\(k) \(kernel)×\(kernel)/\(stride): " + rates.joined(separator: " | ")
                    + String(format: " ‖ backward input %.1f, weights %.1f", flops / backInput / 1e9, flops / backWeights / 1e9))
        }
    }
}
