import CLRuntime
import Foundation

/// How the channels a pruned network keeps are chosen.
public enum PruningCriterion: String, CaseIterable, Sendable, Codable {
    /// Each output channel's filter L1 norm, Σ|w| over its inputs and taps (Li et al. 2017).
    case l1
    /// Each channel's mean energy after its ReLU, mean(relu(x)²) over positions, averaged over
    /// the run's content and style images (a forward pass of the unpruned network).
    case activation
}

/// `--prune R --prune-by …`: the fraction of every convolution's output channels removed.
public struct PruningSettings: Sendable, Codable, Hashable {
    /// 0 ≤ ratio < 1; 0 is VGG19 as loaded.
    public var ratio: Double = 0
    public var criterion = PruningCriterion.l1

    public init(ratio: Double = 0, criterion: PruningCriterion = .l1) {
        self.ratio = ratio
        self.criterion = criterion
    }

    public var isActive: Bool { ratio > 0 }

    /// Output channels of each convolution after pruning layers of `channels`.
    public func keptChannels(_ channels: [Int]) -> [Int] {
        channels.map { ChannelPruning.keptCount(channels: $0, ratio: ratio) }
    }
}

/// L1-norm (or activation) channel pruning of VGG19: every convolution loses its lowest-ranked
/// output channels and the next convolution the matching inputs. ReLU and pooling pass
/// channel counts through; every layer is pruned, those the losses read too (the losses then
/// read the pruned features, and the targets come from the same pruned network).
public enum ChannelPruning {
    /// Channels kept of `channels` when `ratio` of them are removed: ⌈(1 − R)·C⌉ rounded up to
    /// a multiple of 4 (vector-friendly widths), at least 4, at most C.
    public static func keptCount(channels: Int, ratio: Double) -> Int {
        precondition(ratio >= 0 && ratio < 1)
        if ratio == 0 { return channels }
        let kept = Int(((1 - ratio) * Double(channels) - 1e-9).rounded(.up))
        return min(channels, max(4, (kept + 3) / 4 * 4))
    }

    /// Per layer and output channel: the L1 norm of its (dequantized) filter.
    public static func l1Scores(_ weights: VGG19Weights) -> [[Double]] {
        weights.layers.map { layer in
            let values = layer.dequantized()
            let rowLength = layer.inChannels * 9
            return (0..<layer.outChannels).map { k in
                values[(k * rowLength)..<((k + 1) * rowLength)].reduce(0.0) { $0 + Double(abs($1)) }
            }
        }
    }

    /// Per layer and output channel: mean(relu(x)²) over positions, averaged over `images`,
    /// from forward passes of `network` (unpruned) on its device.
    public static func activationScores(network: VGG19Network, images: [PreparedImage]) throws -> [[Double]] {
        let names = (0..<network.convolutions.count).map {
            "relu" + VGG19Layers.convolutionName($0).dropFirst("conv".count)
        }
        var scores = network.convolutions.map { [Double](repeating: 0, count: $0.outChannels) }
        let library = network.library
        for image in images {
            let pass = try NetworkPass(network: network, height: image.height, width: image.width, layers: names, backward: false)
            try pass.forward(image: try library.gpu.buffer(image.pixels))
            for (layer, name) in names.enumerated() {
                let activation = pass.activation(name)
                let values = try activation.buffer.downloadFloats(library: library)
                for channel in 0..<activation.channels {
                    let slice = values[(channel * activation.positions)..<((channel + 1) * activation.positions)]
                    let energy = slice.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(activation.positions)
                    scores[layer][channel] += energy / Double(images.count)
                }
            }
        }
        return scores
    }

    /// The channels each layer keeps: the highest-scored `keptCount`, in their original order
    /// (ties go to the lower index).
    public static func keep(scores: [[Double]], ratio: Double) -> [[Int]] {
        scores.map { layer in
            let count = keptCount(channels: layer.count, ratio: ratio)
            let ranked = layer.indices.sorted { layer[$0] != layer[$1] ? layer[$0] > layer[$1] : $0 < $1 }
            return ranked.prefix(count).sorted()
        }
    }
}

extension VGG19Weights {
    /// These layers keeping only the output channels `keep[l]` of each layer l (and, as their
    /// inputs, the channels the previous layer keeps). Codes and tables are copied, not
    /// requantized: every weight kept is the very value it was.
    public func pruned(keeping keep: [[Int]]) -> VGG19Weights {
        precondition(keep.count == layers.count)
        var inputs = Array(0..<3)
        var result: [Layer] = []
        for (layer, outputs) in zip(layers, keep) {
            precondition(inputs.last.map { $0 < layer.inChannels } ?? true && outputs.allSatisfy { $0 < layer.outChannels })
            var indices: [UInt8] = []
            indices.reserveCapacity(outputs.count * inputs.count * 9)
            for k in outputs {
                for c in inputs {
                    let start = (k * layer.inChannels + c) * 9
                    indices += layer.indices[start..<(start + 9)]
                }
            }
            let perChannel = layer.table.count != 256
            let table = perChannel ? outputs.flatMap { layer.table[($0 * 256)..<(($0 + 1) * 256)] } : layer.table
            let encoding: WeightEncoding =
                if case .int8Channel(let scales) = layer.encoding { .int8Channel(scales: outputs.map { scales[$0] }) } else {
                    layer.encoding
                }
            result.append(
                Layer(
                    name: layer.name, inChannels: inputs.count, outChannels: outputs.count, indices: indices, table: table,
                    bias: outputs.map { layer.bias[$0] }, encoding: encoding))
            inputs = outputs
        }
        return VGG19Weights(layers: result)
    }

    /// Pruned by `settings` with `scores` (per layer and output channel, higher kept).
    public func pruned(_ settings: PruningSettings, scores: [[Double]]) -> VGG19Weights {
        settings.isActive ? pruned(keeping: ChannelPruning.keep(scores: scores, ratio: settings.ratio)) : self
    }

    /// Pruned by `settings`; the activation criterion scores channels with `score`, which is
    /// only called for it (it needs a device and images).
    public func pruned(_ settings: PruningSettings, activationScores score: (VGG19Weights) throws -> [[Double]])
        rethrows -> VGG19Weights
    {
        guard settings.isActive else { return self }
        let scores = settings.criterion == .l1 ? ChannelPruning.l1Scores(self) : try score(self)
        return pruned(settings, scores: scores)
    }
}

extension EngineSession {
    /// Channel scores of the activation criterion: `weights` (unpruned) on `device` in a
    /// session of their own, run forward on `images` resized to at most `side` px.
    public static func activationScores(
        weights: VGG19Weights, images: [RGBImage], side: Int = 256, device: Device, precision: Precision = .fp32,
        pooling: Pooling = .max, configuration: EngineConfiguration = EngineConfiguration()
    ) throws -> [[Double]] {
        let session = try EngineSession(
            device: device, weights: weights, precision: precision, pooling: pooling, configuration: configuration)
        let prepared = images.map { image in
            PreparedImage(max(image.width, image.height) > side ? image.resized(longestSide: side) : image)
        }
        return try ChannelPruning.activationScores(network: session.network, images: prepared)
    }
}
