import StyleEngine

/// VGG19 and the spec's whole loss on the CPU, in Double: the independent computation the
/// engine's numbers are held to.
struct ReferenceVGG {
    struct Layer {
        let inChannels: Int
        let outChannels: Int
        let weights: [Double]
        let bias: [Double]
    }

    let layers: [Layer]
    let maxPooling: Bool

    init(layers: [Layer], maxPooling: Bool) {
        self.layers = layers
        self.maxPooling = maxPooling
    }

    /// The reference of a weights file's layers, as the device expands them.
    init(_ weights: VGG19Weights, maxPooling: Bool = true) {
        self.init(
            layers: weights.layers.map { layer in
                Layer(
                    inChannels: layer.inChannels, outChannels: layer.outChannels,
                    weights: layer.dequantized().map(Double.init), bias: layer.bias.map(Double.init))
            }, maxPooling: maxPooling)
    }

    struct Activation {
        var values: [Double]
        var channels: Int
        var height: Int
        var width: Int
    }

    /// Activations of every layer up to `deepest` (by position in VGG19Layers.all).
    func forward(_ image: [Double], height: Int, width: Int, through deepest: Int) -> [Activation] {
        var current = Activation(values: image, channels: 3, height: height, width: width)
        var outputs: [Activation] = []
        for position in 0...deepest {
            switch VGG19Layers.all[position].kind {
            case .convolution(let index):
                let layer = layers[index]
                current.values = ReferenceLayers.conv3x3Forward(
                    current.values, channels: current.channels, height: current.height, width: current.width,
                    weights: layer.weights, bias: layer.bias)
                current.channels = layer.outChannels
            case .relu:
                current.values = ReferenceLayers.reluForward(current.values)
            case .pool:
                current.values = ReferenceLayers.poolForward(
                    current.values, channels: current.channels, height: current.height, width: current.width,
                    max: maxPooling)
                current.height /= 2
                current.width /= 2
            }
            outputs.append(current)
        }
        return outputs
    }

    /// The spec's loss parts of `image` (content, style, total variation).
    func loss(
        image: [Double], content: [Double], styles: [(pixels: [Double], height: Int, width: Int, weight: Double)],
        height: Int, width: Int, settings: LossSettings
    ) -> (content: Double, style: Double, totalVariation: Double) {
        let position = { (name: String) in VGG19Layers.position(of: name)! }
        let deepest = settings.layers.map(position).max()!
        let features = forward(image, height: height, width: width, through: deepest)
        let contentFeatures = forward(content, height: height, width: width, through: deepest)
        var contentLoss = 0.0
        for name in settings.contentLayers {
            contentLoss += ReferenceLosses.content(
                features[position(name)].values, target: contentFeatures[position(name)].values,
                weight: Double(settings.contentWeight)
            ).loss
        }
        let blendSum = styles.reduce(0) { $0 + $1.weight }
        var targets: [String: [Double]] = [:]
        for style in styles {
            let styleFeatures = forward(style.pixels, height: style.height, width: style.width, through: deepest)
            for name in settings.styleLayers {
                let activation = styleFeatures[position(name)]
                let gram = ReferenceLayers.gram(activation.values, channels: activation.channels)
                let scaled = gram.map { $0 * style.weight / blendSum }
                targets[name] = targets[name].map { zip($0, scaled).map(+) } ?? scaled
            }
        }
        var styleLoss = 0.0
        for name in settings.styleLayers {
            let activation = features[position(name)]
            styleLoss += ReferenceLosses.style(
                ReferenceLayers.gram(activation.values, channels: activation.channels), target: targets[name]!,
                weight: Double(settings.styleWeight)
            ).loss
        }
        let tv = ReferenceLosses.totalVariation(
            image, channels: 3, height: height, width: width, weight: Double(settings.totalVariationWeight)
        ).loss
        return (contentLoss, styleLoss, tv)
    }
}
