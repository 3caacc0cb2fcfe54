import FastStyle

/// TransformerNet written out again from pytorch/examples' transformer_net.py with the
/// reference ops, in Double, for the device network's tests (widths and residual blocks
/// small; γ/β tables of `styles` rows).
enum ReferenceTransformer {
    struct Layer {
        let conv: String, norm: String?, inC: Int, outC: Int, k: Int, stride: Int, upsample: Bool, relu: Bool
    }

    static func layers(widths: [Int], blocks: Int) -> [[Layer]] {
        let (a, b, c) = (widths[0], widths[1], widths[2])
        func l(_ conv: String, _ norm: String?, _ i: Int, _ o: Int, _ k: Int, _ s: Int = 1, up: Bool = false, relu: Bool = true) -> Layer {
            Layer(conv: conv, norm: norm, inC: i, outC: o, k: k, stride: s, upsample: up, relu: relu)
        }
        // Each inner list is one stage; a two-layer stage is a residual block.
        var stages: [[Layer]] = [[l("conv1", "in1", 3, a, 9)], [l("conv2", "in2", a, b, 3, 2)], [l("conv3", "in3", b, c, 3, 2)]]
        for r in 1...blocks {
            stages.append([l("res\(r).conv1", "res\(r).in1", c, c, 3), l("res\(r).conv2", "res\(r).in2", c, c, 3, relu: false)])
        }
        stages += [[l("deconv1", "in4", c, b, 3, up: true)], [l("deconv2", "in5", b, a, 3, up: true)], [l("deconv3", nil, a, 3, 9, relu: false)]]
        return stages
    }

    static func forward(
        _ image: [Double], images: Int, height: Int, width: Int, weights: [String: [Double]], widths: [Int], blocks: Int,
        style: Int = 0
    ) -> (values: [Double], shape: TensorShape) {
        var x = image
        var shape = TensorShape(images: images, channels: 3, height: height, width: width)
        func apply(_ layer: Layer) {
            if layer.upsample {
                x = ReferenceFastOps.upsample2x(x, shape)
                shape = TensorShape(images: images, channels: shape.channels, height: 2 * shape.height, width: 2 * shape.width)
            }
            let pad = layer.k / 2
            x = ReferenceFastOps.reflectionPad(x, shape, pad: pad)
            let conv = StridedConvShape(
                images: images, inChannels: layer.inC, outChannels: layer.outC, kernelSize: layer.k, stride: layer.stride,
                inHeight: shape.height + 2 * pad, inWidth: shape.width + 2 * pad)
            x = ReferenceFastOps.conv(
                x, conv, weights: weights[layer.conv + ".conv2d.weight"]!, bias: weights[layer.conv + ".conv2d.bias"]!)
            shape = conv.output
            if let norm = layer.norm {
                let rows = 0..<layer.outC
                let gamma = Array(weights[norm + ".weight"]![rows.lowerBound + style * layer.outC..<rows.upperBound + style * layer.outC])
                let beta = Array(weights[norm + ".bias"]![rows.lowerBound + style * layer.outC..<rows.upperBound + style * layer.outC])
                x = ReferenceFastOps.instanceNorm(x, shape, gamma: gamma, beta: beta, imageStride: 0, relu: layer.relu)
            }
        }
        for stage in layers(widths: widths, blocks: blocks) {
            let skip = x
            for layer in stage { apply(layer) }
            if stage.count == 2 { x = zip(x, skip).map(+) }
        }
        return (x, shape)
    }
}
