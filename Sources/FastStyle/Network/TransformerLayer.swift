/// One `ConvLayer` or `UpsampleConvLayer` of pytorch/examples' TransformerNet with the
/// instance norm that follows it: [nearest ×2 upsample], reflection pad k/2, k×k conv with
/// stride, [instance norm], [ReLU]; the second conv of a residual block adds the block's
/// input after its norm.
struct TransformerLayer: Sendable {
    /// PyTorch module names: "conv1", "res1.conv1", "deconv1"; "in1", "res1.in1", "in4".
    let conv: String
    let norm: String?
    let inChannels: Int
    let outChannels: Int
    let kernelSize: Int
    let stride: Int
    let upsample: Bool
    let relu: Bool
    /// Adds the input of the layer before it (a residual block's second conv).
    let closesResidual: Bool

    var pad: Int { kernelSize / 2 }
    var weightName: String { conv + ".conv2d.weight" }
    var biasName: String { conv + ".conv2d.bias" }
    var gammaName: String? { norm.map { $0 + ".weight" } }
    var betaName: String? { norm.map { $0 + ".bias" } }

    /// The shapes this layer goes through from `input`: upsampled (or the input), padded, and
    /// its output.
    func shapes(input: TensorShape) -> (resampled: TensorShape, padded: TensorShape, conv: StridedConvShape) {
        let resampled = upsample ? NearestUpsample.outputShape(input) : input
        let padded = ReflectionPad.outputShape(resampled, pad: pad)
        return (resampled, padded, StridedConvShape(input: padded, outChannels: outChannels, kernelSize: kernelSize, stride: stride))
    }

    /// TransformerNet's 16 layers with channel widths `widths` (PyTorch: 32, 64, 128) and
    /// `residualBlocks` residual blocks (PyTorch: 5).
    static func transformerNet(widths: [Int], residualBlocks: Int) -> [TransformerLayer] {
        precondition(widths.count == 3 && widths.allSatisfy { $0 > 0 } && residualBlocks >= 0)
        let (a, b, c) = (widths[0], widths[1], widths[2])
        func layer(
            _ conv: String, _ norm: String?, _ inC: Int, _ outC: Int, _ k: Int, stride: Int = 1, upsample: Bool = false,
            relu: Bool = true, closes: Bool = false
        ) -> TransformerLayer {
            TransformerLayer(
                conv: conv, norm: norm, inChannels: inC, outChannels: outC, kernelSize: k, stride: stride,
                upsample: upsample, relu: relu, closesResidual: closes)
        }
        var layers = [
            layer("conv1", "in1", 3, a, 9), layer("conv2", "in2", a, b, 3, stride: 2),
            layer("conv3", "in3", b, c, 3, stride: 2),
        ]
        for index in 0..<residualBlocks {
            let block = "res\(index + 1)"
            layers.append(layer(block + ".conv1", block + ".in1", c, c, 3))
            layers.append(layer(block + ".conv2", block + ".in2", c, c, 3, relu: false, closes: true))
        }
        layers += [
            layer("deconv1", "in4", c, b, 3, upsample: true), layer("deconv2", "in5", b, a, 3, upsample: true),
            layer("deconv3", nil, a, 3, 9, relu: false),
        ]
        return layers
    }
}
