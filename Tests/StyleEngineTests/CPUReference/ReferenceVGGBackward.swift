import StyleEngine

extension ReferenceVGG {
    /// The gradient of the spec's whole loss (`loss`) with respect to the image: the losses'
    /// gradients added at their layers, walked back through ReLU, pooling and convolutions.
    func lossGradient(
        image: [Double], content: [Double], styles: [(pixels: [Double], height: Int, width: Int, weight: Double)],
        height: Int, width: Int, settings: LossSettings
    ) -> [Double] {
        let position = { (name: String) in VGG19Layers.position(of: name)! }
        let deepest = settings.layers.map(position).max()!
        let features = forward(image, height: height, width: width, through: deepest)
        let contentFeatures = forward(content, height: height, width: width, through: deepest)
        let blendSum = styles.reduce(0) { $0 + $1.weight }
        var targets: [String: [Double]] = [:]
        for style in styles {
            let styleFeatures = forward(style.pixels, height: style.height, width: style.width, through: deepest)
            for name in settings.styleLayers {
                let activation = styleFeatures[position(name)]
                let scaled = ReferenceLayers.gram(activation.values, channels: activation.channels).map {
                    $0 * style.weight / blendSum
                }
                targets[name] = targets[name].map { zip($0, scaled).map(+) } ?? scaled
            }
        }
        var gradient = [Double](repeating: 0, count: features[deepest].values.count)
        for current in stride(from: deepest, through: 0, by: -1) {
            let layer = VGG19Layers.all[current]
            let output = features[current]
            for name in settings.contentLayers where name == layer.name {
                let g = ReferenceLosses.content(
                    output.values, target: contentFeatures[current].values, weight: Double(settings.contentWeight)
                ).gradient
                gradient = zip(gradient, g).map(+)
            }
            for name in settings.styleLayers where name == layer.name {
                let gram = ReferenceLayers.gram(output.values, channels: output.channels)
                let gradGram = ReferenceLosses.style(gram, target: targets[name]!, weight: Double(settings.styleWeight))
                    .gradient
                let g = ReferenceLayers.gramBackward(gradGram, features: output.values, channels: output.channels)
                gradient = zip(gradient, g).map(+)
            }
            let input =
                current > 0
                ? features[current - 1] : Activation(values: image, channels: 3, height: height, width: width)
            switch layer.kind {
            case .relu:
                gradient = ReferenceLayers.reluBackward(gradient, output: output.values)
            case .pool:
                gradient = ReferenceLayers.poolBackward(
                    gradient, input: input.values, channels: input.channels, height: input.height, width: input.width,
                    max: maxPooling)
            case .convolution(let index):
                gradient = ReferenceLayers.conv3x3BackwardInput(
                    gradient, channels: input.channels, height: input.height, width: input.width,
                    weights: layers[index].weights, outChannels: layers[index].outChannels)
            }
        }
        let tv = ReferenceLosses.totalVariation(
            image, channels: 3, height: height, width: width, weight: Double(settings.totalVariationWeight)
        ).gradient
        return zip(gradient, tv).map(+)
    }
}
