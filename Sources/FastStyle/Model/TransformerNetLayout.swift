/// pytorch/examples' `TransformerNet` (fast_neural_style/neural_style/transformer_net.py): its
/// layers in the order they run, under the state dict's names, so a model file trained there
/// loads here unchanged.
///
/// conv1 9×9 → in1 → ReLU, conv2 3×3/2 → in2 → ReLU, conv3 3×3/2 → in3 → ReLU, five residual
/// blocks (conv1 → in1 → ReLU → conv2 → in2, plus the block's input), deconv1 (nearest ×2, 3×3)
/// → in4 → ReLU, deconv2 likewise → in5 → ReLU, deconv3 9×9. Every convolution pads by
/// reflection (k / 2); every norm is an instance norm (biased variance, ε = 1e-5) with a scale
/// and shift, one row per style in a conditional (multi-style) model.
public enum TransformerNetLayout {
    /// A convolution: reflection padding of kernel / 2, after a nearest-neighbour upsampling
    /// by `upsample` when that is above 1. Its tensors: `<name>.weight` [out, in, k, k] and
    /// `<name>.bias` [out].
    public struct Convolution: Sendable, Equatable {
        public let name: String
        public let inChannels: Int
        public let outChannels: Int
        public let kernel: Int
        public let stride: Int
        public let upsample: Int

        public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, upsample: Int) {
            self.name = name
            self.inChannels = inChannels
            self.outChannels = outChannels
            self.kernel = kernel
            self.stride = stride
            self.upsample = upsample
        }

        public var weightShape: [Int] { [outChannels, inChannels, kernel, kernel] }
        public var padding: Int { kernel / 2 }
    }

    /// An instance norm's scale (`<name>.weight`) and shift (`<name>.bias`): [channels], or
    /// [styles, channels] in a conditional model.
    public struct Norm: Sendable, Equatable {
        public let name: String
        public let channels: Int

        public init(name: String, channels: Int) {
            self.name = name
            self.channels = channels
        }
    }

    public static let residualBlocks = 5
    public static let residualChannels = 128
    public static let instanceNormEpsilon: Float = 1e-5

    public static let convolutions: [Convolution] = {
        func conv(_ name: String, _ cin: Int, _ cout: Int, _ k: Int, stride: Int = 1, upsample: Int = 1) -> Convolution {
            Convolution(name: "\(name).conv2d", inChannels: cin, outChannels: cout, kernel: k, stride: stride, upsample: upsample)
        }
        var all = [conv("conv1", 3, 32, 9), conv("conv2", 32, 64, 3, stride: 2), conv("conv3", 64, 128, 3, stride: 2)]
        for block in 1...residualBlocks {
            all += [conv("res\(block).conv1", 128, 128, 3), conv("res\(block).conv2", 128, 128, 3)]
        }
        return all + [conv("deconv1", 128, 64, 3, upsample: 2), conv("deconv2", 64, 32, 3, upsample: 2), conv("deconv3", 32, 3, 9)]
    }()

    public static let norms: [Norm] = {
        var all = [Norm(name: "in1", channels: 32), Norm(name: "in2", channels: 64), Norm(name: "in3", channels: 128)]
        for block in 1...residualBlocks {
            all += [Norm(name: "res\(block).in1", channels: 128), Norm(name: "res\(block).in2", channels: 128)]
        }
        return all + [Norm(name: "in4", channels: 64), Norm(name: "in5", channels: 32)]
    }()

    public static func convolution(_ name: String) -> Convolution { convolutions.first { $0.name == "\(name).conv2d" }! }
    public static func norm(_ name: String) -> Norm { norms.first { $0.name == name }! }

    /// Every tensor a model file holds, in the order a written file stores them (the state
    /// dict's order), with its shape for `styles` conditional styles (nil: a plain model).
    public static func tensorShapes(conditionalStyles styles: Int?) -> [(name: String, shape: [Int])] {
        var convs = convolutions.makeIterator()
        var norms = norms.makeIterator()
        var all: [(String, [Int])] = []
        func conv() {
            let c = convs.next()!
            all += [("\(c.name).weight", c.weightShape), ("\(c.name).bias", [c.outChannels])]
        }
        func norm() {
            let n = norms.next()!
            let shape = styles.map { [$0, n.channels] } ?? [n.channels]
            all += [("\(n.name).weight", shape), ("\(n.name).bias", shape)]
        }
        for _ in 0..<3 { conv(); norm() }
        for _ in 0..<residualBlocks { conv(); norm(); conv(); norm() }
        for _ in 0..<2 { conv(); norm() }
        conv()
        return all
    }

    /// Keys of old PyTorch checkpoints (instance norms that once tracked running statistics)
    /// that a file may hold and a loader skips, as pytorch/examples' stylize does.
    public static func isIgnoredKey(_ key: String) -> Bool {
        norms.contains { key == "\($0.name).running_mean" || key == "\($0.name).running_var" }
    }
}
