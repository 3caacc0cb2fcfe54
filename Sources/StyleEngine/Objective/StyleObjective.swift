import CLRuntime

/// The spec's total loss of an image and its gradient, evaluated on the device.
///
/// Targets (content activations, and the blended style Grams of `StyleTargets`) are set at setup; each
/// `evaluate` then runs VGG19 forward and backward, adds the content, style and total
/// variation gradients, and leaves the raw loss sums in `DeviceScalars` slots, read with
/// the optimizer's scalars in the iteration's single host synchronisation.
public final class StyleObjective: Objective, @unchecked Sendable {
    public let settings: LossSettings
    public let pass: NetworkPass
    let library: KernelLibrary
    let scalars: DeviceScalars
    let slots: LossSlots
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
        slots = try LossSlots(settings: settings, scalars: scalars)

        for name in settings.contentLayers {
            contentTargets[name] = try gpu.buffer(Float.self, count: pass.activation(name).count)
        }
        try setContent(content)
    }

    /// Takes `content` [3×H×W, preprocessed, the objective's size] as the content whose
    /// activations the content loss compares with (a trainer's next photo), in place.
    public func setContent(_ content: Buffer<Float>) throws {
        try pass.forward(image: content)
        for name in settings.contentLayers {
            let features = pass.activation(name)
            try features.buffer.copyAsFloats(to: contentTargets[name]!, count: features.count, library: library)
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
            weight: settings.totalVariationWeight, gradient: gradient, scalars: scalars, slot: slots.totalVariation)
        try scalars.finish(slots.first, count: slots.count)
    }

    public var height: Int { pass.height }
    public var width: Int { pass.width }
    public var profile: LayerProfile? {
        get { pass.profile }
        set { pass.profile = newValue }
    }

    private func addGradients(at name: String, into layerGradient: Buffer<Float>) throws {
        for (index, layer) in settings.contentLayers.enumerated() where layer == name {
            let features = pass.activation(name)
            try LossTerms.content(
                library: library, features: features.buffer, target: contentTargets[name]!, count: features.count,
                weight: settings.contentWeight, gradient: layerGradient, scalars: scalars, slot: slots.content(index))
        }
        for (index, layer) in settings.styleLayers.enumerated() where layer == name {
            let features = pass.activation(name)
            try Gram.forward(
                library: library, features: features.buffer, channels: features.channels,
                positions: features.positions, gram: gram, scratch: pass.scratch)
            try LossTerms.styleGram(
                library: library, gram: gram, target: targets.grams[name]!, channels: features.channels,
                weight: settings.styleWeight, gradGram: gradGram, scalars: scalars,
                slot: slots.style(index))
            try Gram.backward(
                library: library, gradGram: gradGram, features: features.buffer, channels: features.channels,
                positions: features.positions, gradFeatures: layerGradient, scratch: pass.scratch)
        }
    }

    public func lossParts(from values: [Float]) -> LossParts {
        slots.parts(
            from: values, contentCounts: settings.contentLayers.map { pass.activation($0).count },
            styleChannels: settings.styleLayers.map { pass.activation($0).channels })
    }

    /// Each style layer's Gram of the features the last forward pass left.
    public func imageGrams() throws -> [String: [Float]] {
        var grams: [String: [Float]] = [:]
        for name in settings.styleLayers where grams[name] == nil {
            let features = pass.activation(name)
            let gram = try library.gpu.buffer(Float.self, count: features.channels * features.channels)
            try Gram.forward(
                library: library, features: features.buffer, channels: features.channels,
                positions: features.positions, gram: gram, scratch: pass.scratch)
            grams[name] = try gram.download(queue: library.queue)
        }
        return grams
    }
}
