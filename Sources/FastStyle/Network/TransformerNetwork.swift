import CLRuntime
import StyleEngine

/// pytorch/examples' fast_neural_style `TransformerNet` on the device, composed of the
/// FastStyle ops: conv1 9×9 3→32, conv2 3×3/2 32→64, conv3 3×3/2 64→128 (each reflection
/// padded, instance norm, ReLU), 5 residual blocks (conv-IN-ReLU-conv-IN, + input), deconv1
/// 128→64 and deconv2 64→32 (nearest ×2 upsample, conv 3×3, IN, ReLU), deconv3 9×9 32→3.
///
/// Weights by PyTorch's state_dict names (`conv1.conv2d.weight` [K][C][k][k],
/// `conv1.conv2d.bias`, `in1.weight` (γ), `in1.bias` (β), `res1.conv1.conv2d.weight`,
/// `res1.in1.weight`, …, `deconv1.conv2d.weight`, `in4.weight`, …, `deconv3.conv2d.bias`),
/// all in one `ParameterTable`. A multi-style network (conditional instance norm) has
/// `styles` rows per norm: γ and β of [styles × C].
///
/// Images N×3×H×W float (PyTorch's convention: RGB, 0–255), H and W ≥ 5; the output is
/// N×3×H'×W' with H' = 4·⌈⌈H/2⌉/2⌉ (H itself when a multiple of 4), as PyTorch's.
/// Used by one thread at a time (it keeps one pass's tensors between calls).
public final class TransformerNetwork: @unchecked Sendable {
    public let library: KernelLibrary
    public let parameters: ParameterTable
    public let styles: Int
    /// The blocking of each convolution, by shape: the layers' forward shapes and, in
    /// training, their backward to the input (`StridedConvShape.transposed`). A tuner may set
    /// it; by default `StridedConvTuning.default(for:)`.
    public var tuning: @Sendable (StridedConvShape) -> StridedConvTuning = { StridedConvTuning.default(for: $0) }
    let layers: [TransformerLayer]
    private var activations: TransformerActivations?
    /// The style of the last training forward (the backward's γ/β rows).
    private var trainedStyle = 0
    /// Whether the last training forward gave image n the style n (a multi-style batch).
    private var trainedEachImageItsStyle = false
    /// Blended γ/β rows of each norm (apply with `.blend`).
    private var blended: ParameterTable?

    /// The tensors a network of these widths has, in layout order (name, value count).
    public static func parameterEntries(
        widths: [Int] = [32, 64, 128], residualBlocks: Int = 5, styles: Int = 1
    ) -> [(name: String, count: Int)] {
        TransformerLayer.transformerNet(widths: widths, residualBlocks: residualBlocks).flatMap { layer in
            var entries = [
                (layer.weightName, layer.outChannels * layer.inChannels * layer.kernelSize * layer.kernelSize),
                (layer.biasName, layer.outChannels),
            ]
            if let gamma = layer.gammaName, let beta = layer.betaName {
                entries += [(gamma, styles * layer.outChannels), (beta, styles * layer.outChannels)]
            }
            return entries.map { (name: $0.0, count: $0.1) }
        }
    }

    /// Uploads `weights` (every tensor of `parameterEntries`; others are ignored, such as
    /// old checkpoints' running statistics). `widths` and `residualBlocks` other than
    /// PyTorch's make small networks for tests. Throws `FastStyleError.parameter`.
    public init(
        library: KernelLibrary, weights: [String: [Float]], widths: [Int] = [32, 64, 128], residualBlocks: Int = 5,
        styles: Int = 1
    ) throws {
        precondition(styles > 0)
        self.library = library
        self.styles = styles
        layers = TransformerLayer.transformerNet(widths: widths, residualBlocks: residualBlocks)
        parameters = try ParameterTable(
            library: library, entries: Self.parameterEntries(widths: widths, residualBlocks: residualBlocks, styles: styles),
            tensors: weights)
    }

    /// The output's shape for an input of `images` × 3 × `height` × `width`.
    public func outputShape(images: Int = 1, height: Int, width: Int) -> TensorShape {
        var shape = TensorShape(images: images, channels: 3, height: height, width: width)
        for layer in layers { shape = layer.shapes(input: shape).conv.output }
        return shape
    }

    /// output = TransformerNet(image), OVERWRITING output (N×3×H'×W' float). With
    /// `training`, keeps every tensor the backward needs (FP32 libraries only); apply
    /// normalizes in place and, on an FP16 library, stores activations as half.
    public func forward(
        image: Buffer<Float>, images: Int = 1, height: Int, width: Int, output: Buffer<Float>,
        style: StyleSelection = .style(0), training: Bool = false, eachImageItsStyle: Bool = false
    ) throws {
        guard height >= 5 && width >= 5 else { throw FastStyleError.input("\(height)×\(width) is under 5×5") }
        let input = TensorShape(images: images, channels: 3, height: height, width: width)
        precondition(image.count >= input.count, "image buffer under \(input)")
        precondition(output.count >= outputShape(images: images, height: height, width: width).count, "output buffer")
        precondition(!training || library.precision == .fp32, "training runs on FP32 libraries")
        if case .blend = style { precondition(!training, "training takes one style") }
        let pass = try activations(for: input, training: training)
        precondition(!eachImageItsStyle || images == styles, "one image per style")
        let affines = eachImageItsStyle ? perImageRows() : try affineRows(for: style)
        var current = StoredBuffer.float(image)
        var shape = input
        for (index, layer) in layers.enumerated() {
            let (resampled, _, conv) = layer.shapes(input: shape)
            var source = current
            if let upsampled = pass.resampled[index] {
                try NearestUpsample.forward(library: library, input: current, shape: shape, output: upsampled)
                source = upsampled
            }
            try ReflectionPad.forward(library: library, input: source, shape: resampled, pad: layer.pad, output: pass.padded[index])
            let convolved = pass.convolved[index] ?? .float(output)
            try StridedConvolution.forward(
                library: library, shape: conv, input: pass.padded[index], weights: parameters.slice(layer.weightName),
                bias: parameters.slice(layer.biasName), output: convolved, tuning: tuning(conv), workspace: pass.workspace)
            var result = convolved
            if let affine = affines[index], let statistics = pass.statistics[index] {
                let normalized = pass.normalized[index] ?? convolved
                try InstanceNorm.forward(
                    library: library, input: convolved, shape: conv.output, affine: affine, relu: layer.relu,
                    statistics: statistics, output: normalized)
                result = normalized
            }
            if layer.closesResidual, let sum = pass.sums[index] {
                // The block's input is the input of the layer before this one.
                try ResidualAdd.forward(
                    library: library, input: blockInput(index, pass: pass), branch: result, output: sum,
                    count: conv.output.count)
                result = sum
            }
            current = result
            shape = conv.output
        }
        if case .style(let index) = style { trainedStyle = index }
        trainedEachImageItsStyle = eachImageItsStyle
    }

    /// After a `training` forward: ADDS ∂L/∂(every weight, bias, γ, β) into
    /// `parameters.gradients` (allocated and zeroed by `parameters.makeGradients()`) from
    /// gradOutput = ∂L/∂output (N×3×H'×W' float, not changed).
    public func backward(gradOutput: Buffer<Float>) throws {
        guard let pass = activations, pass.training else { preconditionFailure("backward without a training forward") }
        precondition(parameters.gradients != nil, "parameters.makeGradients() before backward")
        var shapes: [TensorShape] = [pass.input]
        for layer in layers { shapes.append(layer.shapes(input: shapes.last!).conv.output) }
        let (gradient, gradPadded, gradResampled, gradSkip) = (pass.scratch[0], pass.scratch[1], pass.scratch[2], pass.scratch[3])
        try gradient.copy(from: gradOutput, count: shapes.last!.count, queue: library.queue)
        let affines = trainedEachImageItsStyle ? perImageRows() : try affineRows(for: .style(trainedStyle))
        for index in layers.indices.reversed() {
            let layer = layers[index]
            let (resampled, _, conv) = layer.shapes(input: shapes[index])
            if layer.closesResidual {
                try gradSkip.copy(from: gradient, count: conv.output.count, queue: library.queue)
            }
            if let affine = affines[index], let statistics = pass.statistics[index], let convolved = pass.convolved[index] {
                try InstanceNorm.backward(
                    library: library, input: convolved, shape: conv.output, affine: affine, relu: layer.relu,
                    statistics: statistics, gradOutput: gradient, gradInput: gradient,
                    gradAffine: trainedEachImageItsStyle
                        ? perImageGradientRows(layer) : try gradientRows(layer, style: trainedStyle, imageStride: affine.imageStride))
            }
            try StridedConvolution.backwardWeights(
                library: library, shape: conv, input: pass.padded[index], gradOutput: gradient,
                gradWeights: parameters.gradient(layer.weightName), gradBias: parameters.gradient(layer.biasName),
                tuning: tuning(conv))
            if index == 0 { break }  // the image's gradient is not needed
            try StridedConvolution.backwardInput(
                library: library, shape: conv, gradOutput: gradient, weights: parameters.slice(layer.weightName),
                gradInput: gradPadded, workspace: pass.workspace, tuning: tuning(conv.transposed))
            try ReflectionPad.backward(
                library: library, gradOutput: gradPadded, shape: resampled, pad: layer.pad,
                gradInput: layer.upsample ? gradResampled : gradient)
            if layer.upsample {
                try NearestUpsample.backward(
                    library: library, gradOutput: gradResampled, shape: shapes[index], gradInput: gradient)
            }
            // The layer before a residual block's second conv opens the block: its input's
            // gradient also gets the skip's.
            if index + 1 < layers.count && layers[index + 1].closesResidual {
                try ResidualAdd.backward(
                    library: library, gradOutput: gradSkip, gradThroughBranch: gradient, gradInput: gradient,
                    count: shapes[index].count)
            }
        }
    }

    /// The stored input of the residual block that layer `index` closes.
    private func blockInput(_ index: Int, pass: TransformerActivations) -> StoredBuffer {
        let opening = index - 1
        precondition(opening >= 1, "a residual block starts after the first layer")
        return output(of: opening - 1, pass: pass)
    }

    /// The stored output of layer `index` in a pass.
    private func output(of index: Int, pass: TransformerActivations) -> StoredBuffer {
        if let sum = pass.sums[index] { return sum }
        if let normalized = pass.normalized[index] { return normalized }
        return pass.convolved[index]!
    }

    /// The pass's tensors, reused while the shape and mode stay.
    private func activations(for input: TensorShape, training: Bool) throws -> TransformerActivations {
        if let activations, activations.input == input, activations.training == training { return activations }
        activations = nil  // release before allocating the next
        let made = try TransformerActivations(library: library, layers: layers, input: input, training: training)
        activations = made
        return made
    }

    /// Releases the last pass's device tensors (before a tiled apply needs the memory).
    public func releaseActivations() {
        activations = nil
    }

    /// Each layer's γ/β (nil without a norm) for a style selection.
    func affineRows(for selection: StyleSelection) throws -> [InstanceNormAffine?] {
        switch selection {
        case .style(let style):
            precondition(style >= 0 && style < styles, "style \(style) of \(styles)")
            return layers.map { layer in
                guard let gamma = layer.gammaName, let beta = layer.betaName else { return nil }
                return .shared(
                    gamma: ConditionalInstanceNorm.row(of: parameters.slice(gamma), style: style, channels: layer.outChannels),
                    beta: ConditionalInstanceNorm.row(of: parameters.slice(beta), style: style, channels: layer.outChannels))
            }
        case .blend(let weights):
            precondition(weights.count == styles, "\(weights.count) blend weights for \(styles) styles")
            let rows = try blendedRows()
            return try layers.map { layer in
                guard let gamma = layer.gammaName, let beta = layer.betaName else { return nil }
                for name in [gamma, beta] {
                    try ConditionalInstanceNorm.blend(
                        library: library, table: parameters.slice(name), channels: layer.outChannels, weights: weights,
                        into: rows.slice(name))
                }
                return .shared(gamma: rows.slice(gamma), beta: rows.slice(beta))
            }
        }
    }

    /// Scratch for one blended row per γ and β (allocated on the first blend).
    private func blendedRows() throws -> ParameterTable {
        if let blended { return blended }
        let entries = layers.flatMap { layer in
            [layer.gammaName, layer.betaName].compactMap { $0 }.map { (name: $0, count: layer.outChannels) }
        }
        let zeros = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, [Float](repeating: 0, count: $0.count)) })
        let made = try ParameterTable(library: library, entries: entries, tensors: zeros)
        blended = made
        return made
    }

    /// Where a layer's γ/β gradients of `style` go.
    /// Each norm's whole [styles × C] tables, image n reading row n (a multi-style batch).
    private func perImageRows() -> [InstanceNormAffine?] {
        layers.map { layer in
            guard let gamma = layer.gammaName, let beta = layer.betaName else { return nil }
            return .perImage(gamma: parameters.slice(gamma), beta: parameters.slice(beta), channels: layer.outChannels)
        }
    }

    /// The gradients of each norm's tables, image n's added into row n.
    private func perImageGradientRows(_ layer: TransformerLayer) -> InstanceNormAffine? {
        guard let gamma = layer.gammaName, let beta = layer.betaName else { return nil }
        return .perImage(gamma: parameters.gradient(gamma), beta: parameters.gradient(beta), channels: layer.outChannels)
    }

    private func gradientRows(_ layer: TransformerLayer, style: Int, imageStride: Int) throws -> InstanceNormAffine? {
        guard let gamma = layer.gammaName, let beta = layer.betaName else { return nil }
        return InstanceNormAffine(
            gamma: ConditionalInstanceNorm.row(of: parameters.gradient(gamma), style: style, channels: layer.outChannels),
            beta: ConditionalInstanceNorm.row(of: parameters.gradient(beta), style: style, channels: layer.outChannels),
            imageStride: imageStride)
    }
}
