import CLRuntime

/// The spec's total loss of an image and its gradient, evaluated on the device.
///
/// Targets (content activations, and the blended style Grams of `StyleTargets`) are set at setup; each
/// `evaluate` then runs VGG19 forward and backward, adds the content, style and total
/// variation gradients, and leaves the raw loss sums in `DeviceScalars` slots, read with
/// the optimizer's scalars in the iteration's single host synchronisation.
public final class StyleObjective: @unchecked Sendable {
    public let settings: LossSettings
    public let pass: NetworkPass
    let library: KernelLibrary
    let scalars: DeviceScalars
    /// Slots: one per content layer, then one per style layer, then total variation.
    let firstSlot: Int
    var slotCount: Int { settings.contentLayers.count + settings.styleLayers.count + 1 }
    private var contentTargets: [String: Buffer<Float>] = [:]
    public let targets: StyleTargets
    private let gram: Buffer<Float>
    private let gradGram: Buffer<Float>

    /// - Parameters:
    ///   - targets: the style targets, for `settings.styleLayers` of this network.
    ///   - height, width: the output size; the objective's backward pass is made for it.
    ///   - content: the preprocessed content image [3×H×W].
    public init(
        library: KernelLibrary, scalars: DeviceScalars, network: VGG19Network, targets: StyleTargets, height: Int,
        width: Int, scratchLimit: Int = 1 << 24, settings: LossSettings, content: Buffer<Float>
    ) throws {
        precondition(targets.shape.layers == settings.styleLayers, "the style targets are for other layers")
        self.library = library
        self.scalars = scalars
        self.settings = settings
        self.targets = targets
        let gpu = library.gpu
        let pass = try NetworkPass(
            network: network, height: height, width: width, layers: settings.layers, scratchLimit: scratchLimit,
            backward: true)
        self.pass = pass
        let maxChannels = settings.styleLayers.map { pass.activation($0).channels }.max() ?? 1
        gram = try gpu.buffer(Float.self, count: maxChannels * maxChannels)
        gradGram = try gpu.buffer(Float.self, count: maxChannels * maxChannels)
        firstSlot = try scalars.reserve(settings.contentLayers.count + settings.styleLayers.count + 1)

        try pass.forward(image: content)
        for name in settings.contentLayers {
            let features = pass.activation(name)
            let target = try gpu.buffer(Float.self, count: features.count)
            try features.buffer.copyAsFloats(to: target, count: features.count, library: library)
            contentTargets[name] = target
        }
    }

    /// The objective of `session`'s network for one content image at its size.
    public convenience init(
        session: EngineSession, targets: StyleTargets, content: PreparedImage, settings: LossSettings,
        scratchLimit: Int
    ) throws {
        try self.init(
            library: session.library, scalars: session.scalars, network: session.network, targets: targets,
            height: content.height, width: content.width, scratchLimit: scratchLimit, settings: settings,
            content: session.library.gpu.buffer(content.pixels))
    }

    /// An objective that computes its own style targets from `styles` (preprocessed, with
    /// blend weights of any positive scale). The targets are taken first, each style through
    /// a pass of its own freed before the output's pass exists, so one pass is in memory at a time.
    public convenience init(
        library: KernelLibrary, scalars: DeviceScalars, network: VGG19Network, height: Int, width: Int,
        scratchLimit: Int = 1 << 24, settings: LossSettings, content: Buffer<Float>,
        styles: [(image: Buffer<Float>, height: Int, width: Int, weight: Float)]
    ) throws {
        precondition(!styles.isEmpty || settings.styleLayers.isEmpty, "style layers need a style image")
        let prepared = try styles.map {
            PreparedImage(pixels: try $0.image.download(queue: library.queue), height: $0.height, width: $0.width)
        }
        let targets = try StyleTargets.compute(
            library: library, network: network, styles: prepared, blendWeights: styles.map(\.weight),
            layers: settings.styleLayers, scratchLimit: scratchLimit)
        try self.init(
            library: library, scalars: scalars, network: network, targets: targets, height: height, width: width,
            scratchLimit: scratchLimit, settings: settings, content: content)
    }

    /// Forward and backward at `image` [3×H×W]: `gradient` receives ∂loss/∂image and the loss
    /// sums their slots (finished, not yet read).
    public func evaluate(image: Buffer<Float>, gradient: Buffer<Float>) throws {
        try pass.forward(image: image)
        try pass.backward(imageGradient: gradient) { name, layerGradient in
            try addGradients(at: name, into: layerGradient)
        }
        try LossTerms.totalVariation(
            library: library, image: image, channels: 3, height: pass.height, width: pass.width,
            weight: settings.totalVariationWeight, gradient: gradient, scalars: scalars, slot: totalVariationSlot)
        try scalars.finish(firstSlot, count: slotCount)
    }

    var totalVariationSlot: Int { firstSlot + slotCount - 1 }

    private func addGradients(at name: String, into layerGradient: Buffer<Float>) throws {
        for (index, layer) in settings.contentLayers.enumerated() where layer == name {
            let features = pass.activation(name)
            try LossTerms.content(
                library: library, features: features.buffer, target: contentTargets[name]!, count: features.count,
                weight: settings.contentWeight, gradient: layerGradient, scalars: scalars, slot: firstSlot + index)
        }
        for (index, layer) in settings.styleLayers.enumerated() where layer == name {
            let features = pass.activation(name)
            try Gram.forward(
                library: library, features: features.buffer, channels: features.channels,
                positions: features.positions, gram: gram, scratch: pass.scratch)
            try LossTerms.styleGram(
                library: library, gram: gram, target: targets.grams[name]!, channels: features.channels,
                weight: settings.styleWeight, gradGram: gradGram, scalars: scalars,
                slot: firstSlot + settings.contentLayers.count + index)
            try Gram.backward(
                library: library, gradGram: gradGram, features: features.buffer, channels: features.channels,
                positions: features.positions, gradFeatures: layerGradient, scratch: pass.scratch)
        }
    }

    /// The loss parts from the finished scalar values (`DeviceScalars.read()`).
    public func lossParts(from values: [Float]) -> LossParts {
        var content = 0.0
        for (index, name) in settings.contentLayers.enumerated() {
            content += Double(settings.contentWeight) * Double(values[firstSlot + index])
                / Double(pass.activation(name).count)
        }
        var style = 0.0
        for (index, name) in settings.styleLayers.enumerated() {
            let channels = Double(pass.activation(name).channels)
            style += Double(settings.styleWeight) * Double(values[firstSlot + settings.contentLayers.count + index])
                / (channels * channels)
        }
        let totalVariation = Double(settings.totalVariationWeight) / 2 * Double(values[totalVariationSlot])
        return LossParts(content: content, style: style, totalVariation: totalVariation)
    }
}
