import FastStyle
import Foundation
import StyleEngine

/// The transform network's forward pass in plain loops on the host: the twin the device
/// network is tested against, itself tested against PyTorch's output (the fixtures).
/// Activations are planar [C, H, W] in the 0–255 scale of the input.
struct ReferenceTransformerNet {
    struct Activation: Equatable {
        var channels: Int
        var height: Int
        var width: Int
        var values: [Float]

        init(channels: Int, height: Int, width: Int, values: [Float]? = nil) {
            self.channels = channels
            self.height = height
            self.width = width
            self.values = values ?? [Float](repeating: 0, count: channels * height * width)
            precondition(self.values.count == channels * height * width)
        }
    }

    /// `.zero` exists to show the fixture comparison notices a wrong border rule.
    enum Padding { case reflect, zero }

    let model: TransformerModel
    var padding = Padding.reflect

    func forward(_ input: Activation, selection: StyleSelection = .style(0)) throws -> Activation {
        func conv(_ x: Activation, _ name: String) -> Activation {
            let spec = TransformerNetLayout.convolution(name)
            let upsampled = spec.upsample > 1 ? Self.upsampleNearest(x, factor: spec.upsample) : x
            return Self.convolve(upsampled, spec: spec, weight: model.weight(of: spec), bias: model.bias(of: spec), padding: padding)
        }
        func norm(_ x: Activation, _ name: String, relu: Bool) throws -> Activation {
            let (scale, shift) = try model.normParameters(of: TransformerNetLayout.norm(name), for: selection)
            return Self.instanceNorm(x, scale: scale, shift: shift, relu: relu)
        }
        var y = try norm(conv(input, "conv1"), "in1", relu: true)
        y = try norm(conv(y, "conv2"), "in2", relu: true)
        y = try norm(conv(y, "conv3"), "in3", relu: true)
        for block in 1...TransformerNetLayout.residualBlocks {
            let inner = try norm(conv(y, "res\(block).conv1"), "res\(block).in1", relu: true)
            let out = try norm(conv(inner, "res\(block).conv2"), "res\(block).in2", relu: false)
            for index in y.values.indices { y.values[index] += out.values[index] }
        }
        y = try norm(conv(y, "deconv1"), "in4", relu: true)
        y = try norm(conv(y, "deconv2"), "in5", relu: true)
        return conv(y, "deconv3")
    }

    /// Pads (reflection or zeros, kernel / 2 on every side), then a strided cross-correlation
    /// with weights [out, in, k, k], as `torch.nn.Conv2d` after `ReflectionPad2d`.
    static func convolve(
        _ x: Activation, spec: TransformerNetLayout.Convolution, weight: [Float], bias: [Float], padding: Padding
    ) -> Activation {
        precondition(x.channels == spec.inChannels)
        let pad = spec.padding
        let (paddedHeight, paddedWidth) = (x.height + 2 * pad, x.width + 2 * pad)
        precondition(pad < x.height && pad < x.width, "reflection needs pad < size")
        func source(_ index: Int, _ size: Int) -> Int? {
            switch padding {
            case .reflect: index < 0 ? -index : index >= size ? 2 * (size - 1) - index : index
            case .zero: (0..<size).contains(index) ? index : nil
            }
        }
        var padded = [Float](repeating: 0, count: x.channels * paddedHeight * paddedWidth)
        for channel in 0..<x.channels {
            for row in 0..<paddedHeight {
                guard let sourceRow = source(row - pad, x.height) else { continue }
                for column in 0..<paddedWidth {
                    guard let sourceColumn = source(column - pad, x.width) else { continue }
                    padded[(channel * paddedHeight + row) * paddedWidth + column] =
                        x.values[(channel * x.height + sourceRow) * x.width + sourceColumn]
                }
            }
        }
        let k = spec.kernel
        let stride = spec.stride
        let outHeight = (paddedHeight - k) / stride + 1
        let outWidth = (paddedWidth - k) / stride + 1
        var out = Activation(channels: spec.outChannels, height: outHeight, width: outWidth)
        // Raw pointers: these loops run a few hundred million times per image in a debug build.
        padded.withUnsafeBufferPointer { input in
            weight.withUnsafeBufferPointer { weights in
                out.values.withUnsafeMutableBufferPointer { output in
                    for o in 0..<spec.outChannels {
                        let plane = output.baseAddress! + o * outHeight * outWidth
                        for index in 0..<(outHeight * outWidth) { plane[index] = bias[o] }
                        for c in 0..<spec.inChannels {
                            let inputPlane = input.baseAddress! + c * paddedHeight * paddedWidth
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let w = weights[((o * spec.inChannels + c) * k + ky) * k + kx]
                                    for oy in 0..<outHeight {
                                        let inputRow = inputPlane + (oy * stride + ky) * paddedWidth + kx
                                        let outputRow = plane + oy * outWidth
                                        for ox in 0..<outWidth { outputRow[ox] += w * inputRow[ox * stride] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Per channel: (x − mean) / √(biased variance + ε) × scale + shift, then ReLU if asked.
    static func instanceNorm(_ x: Activation, scale: [Float], shift: [Float], relu: Bool) -> Activation {
        var out = x
        let count = x.height * x.width
        for channel in 0..<x.channels {
            let plane = x.values[(channel * count)..<((channel + 1) * count)]
            let mean = plane.reduce(0.0) { $0 + Double($1) } / Double(count)
            let variance = plane.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(count)
            let inverse = 1 / (variance + Double(TransformerNetLayout.instanceNormEpsilon)).squareRoot()
            for index in (channel * count)..<((channel + 1) * count) {
                let value = Float((Double(x.values[index]) - mean) * inverse) * scale[channel] + shift[channel]
                out.values[index] = relu ? max(value, 0) : value
            }
        }
        return out
    }

    /// Nearest-neighbour upsampling by an integer factor (`F.interpolate(mode="nearest")`).
    static func upsampleNearest(_ x: Activation, factor: Int) -> Activation {
        var out = Activation(channels: x.channels, height: x.height * factor, width: x.width * factor)
        for channel in 0..<x.channels {
            for row in 0..<out.height {
                for column in 0..<out.width {
                    out.values[(channel * out.height + row) * out.width + column] =
                        x.values[(channel * x.height + row / factor) * x.width + column / factor]
                }
            }
        }
        return out
    }

    /// The network's input: the 8-bit values themselves, 0–255, RGB planes.
    static func input(_ image: RGBImage) -> Activation {
        var x = Activation(channels: 3, height: image.height, width: image.width)
        for pixel in 0..<(image.width * image.height) {
            for channel in 0..<3 {
                x.values[channel * image.width * image.height + pixel] = Float(image.pixels[pixel * 3 + channel])
            }
        }
        return x
    }

    /// The output clamped to 0–255 and rounded to the nearest level.
    static func image(_ y: Activation) -> RGBImage {
        precondition(y.channels == 3)
        var pixels = [UInt8](repeating: 0, count: y.width * y.height * 3)
        for pixel in 0..<(y.width * y.height) {
            for channel in 0..<3 {
                pixels[pixel * 3 + channel] = UInt8(min(max(y.values[channel * y.width * y.height + pixel], 0), 255).rounded())
            }
        }
        return RGBImage(width: y.width, height: y.height, pixels: pixels)
    }
}
