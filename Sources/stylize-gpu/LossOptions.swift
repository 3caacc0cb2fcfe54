import ArgumentParser
import StyleEngine

/// The loss's layers and weights: shared by the commands that stylize and that measure.
struct LossOptions: ParsableArguments {
    @Option(name: .customLong("content-weight"), help: "Weight of the content loss.")
    var contentWeight: Float = 5

    @Option(name: .customLong("style-weight"), help: "Weight of the style loss.")
    var styleWeight: Float = 100

    @Option(name: .customLong("tv-weight"), help: "Weight of the total-variation (smoothness) loss.")
    var tvWeight: Float = 1e-3

    @Option(name: .customLong("content-layers"), help: "Comma-separated layers for the content loss (at least one, each once).")
    var contentLayers: String = "relu4_2"

    @Option(name: .customLong("style-layers"), help: "Comma-separated layers for the style loss (at least one, each once).")
    var styleLayers: String = "relu1_1,relu2_1,relu3_1,relu4_1,relu5_1"

    func validate() throws {
        for (name, value) in [("--content-weight", contentWeight), ("--style-weight", styleWeight), ("--tv-weight", tvWeight)]
        where !(value >= 0 && value.isFinite) {
            throw InputError("\(name) must be a finite number ≥ 0")
        }
        for (option, layers) in [("--content-layers", parsedContentLayers), ("--style-layers", parsedStyleLayers)] {
            if layers.isEmpty || layers.contains("") {
                throw InputError("\(option) must name at least one layer, separated by commas (e.g. relu4_2)")
            }
            var seen = Set<String>()
            for layer in layers where !seen.insert(layer).inserted {
                throw InputError("\(option) names \(layer) twice: each layer counts once (raise the weight instead)")
            }
        }
        do {
            try VGG19Layers.validate(parsedContentLayers + parsedStyleLayers)
        } catch { throw InputError("\(error)") }
    }

    var parsedContentLayers: [String] { contentLayers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    var parsedStyleLayers: [String] { styleLayers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    var settings: LossSettings {
        var settings = LossSettings()
        settings.contentLayers = parsedContentLayers
        settings.styleLayers = parsedStyleLayers
        settings.contentWeight = contentWeight
        settings.styleWeight = styleWeight
        settings.totalVariationWeight = tvWeight
        return settings
    }
}
