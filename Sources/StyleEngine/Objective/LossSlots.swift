/// Where an objective leaves its raw loss sums in `DeviceScalars`: one slot per content layer,
/// then one per style layer, then total variation; and how the sums become the spec's parts.
struct LossSlots {
    let settings: LossSettings
    let first: Int

    /// Reserves the slots (setup only).
    init(settings: LossSettings, scalars: DeviceScalars) throws {
        self.settings = settings
        first = try scalars.reserve(settings.contentLayers.count + settings.styleLayers.count + 1)
    }

    var count: Int { settings.contentLayers.count + settings.styleLayers.count + 1 }
    func content(_ index: Int) -> Int { first + index }
    func style(_ index: Int) -> Int { first + settings.contentLayers.count + index }
    var totalVariation: Int { first + count - 1 }

    /// The parts from finished values: content sums over `contentCounts` (C·H·W of each content
    /// layer), style sums over C² of `styleChannels`, TV halved.
    func parts(from values: [Float], contentCounts: [Int], styleChannels: [Int]) -> LossParts {
        var content = 0.0
        for (index, count) in contentCounts.enumerated() {
            content += Double(settings.contentWeight) * Double(values[self.content(index)]) / Double(count)
        }
        var style = 0.0
        for (index, channels) in styleChannels.enumerated() {
            let channels = Double(channels)
            style += Double(settings.styleWeight) * Double(values[self.style(index)]) / (channels * channels)
        }
        let totalVariation = Double(settings.totalVariationWeight) / 2 * Double(values[self.totalVariation])
        return LossParts(content: content, style: style, totalVariation: totalVariation)
    }
}
