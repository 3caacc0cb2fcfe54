import Foundation

/// The ways `stylize-gpu quantize` stores float weights in 8 bits (`WeightEncoding`).
public enum QuantizationMethod: String, CaseIterable, Sendable, Codable {
    /// 256 centroids per layer by 1-D k-means (Lloyd); each weight its nearest centroid.
    case kmeans
    /// One scale per layer: scale = max|w| / 127, q = round(w / scale) ∈ −127…127.
    case int8Tensor = "int8-tensor"
    /// One scale per output channel, as int8-tensor within each channel.
    case int8Channel = "int8-channel"
    /// One scale and zero point per layer: scale = (max − min) / 255 over [min(w, 0), max(w, 0)],
    /// q = round(w / scale) + zero point ∈ 0…255.
    case int8Asymmetric = "int8-asym"
}

/// Quantizes float weights into the 8-bit encodings, and builds the tables they expand by.
public enum Quantizer {
    /// table[i] = scale · (i − 128): codes are int8 q stored as q + 128.
    static func symmetricTable(scale: Float) -> [Float] { (0..<256).map { scale * Float($0 - 128) } }

    /// table[q] = scale · (q − zero point).
    static func asymmetricTable(scale: Float, zeroPoint: Int) -> [Float] { (0..<256).map { scale * Float($0 - zeroPoint) } }

    /// The largest error the method allows for `weights` of one layer (per weight; per output
    /// channel for int8-channel): half a quantization step. k-means has no closed bound: nil.
    public static func errorBound(method: QuantizationMethod, weights: [Float], outChannels: Int) -> [Float]? {
        let rowLength = weights.count / outChannels
        switch method {
        case .kmeans: return nil
        case .int8Tensor: return [symmetricScale(weights[...]) / 2]
        case .int8Channel:
            return (0..<outChannels).map { symmetricScale(weights[($0 * rowLength)..<(($0 + 1) * rowLength)]) / 2 }
        case .int8Asymmetric: return [asymmetricParameters(weights).scale / 2]
        }
    }

    /// One layer's float weights [out, in, 3, 3] quantized with `method`.
    public static func quantize(
        name: String, inChannels: Int, outChannels: Int, weights: [Float], bias: [Float], method: QuantizationMethod
    ) -> VGG19Weights.Layer {
        precondition(weights.count == outChannels * inChannels * 9)
        func make(_ indices: [UInt8], _ table: [Float], _ encoding: WeightEncoding) -> VGG19Weights.Layer {
            VGG19Weights.Layer(
                name: name, inChannels: inChannels, outChannels: outChannels, indices: indices, table: table, bias: bias,
                encoding: encoding)
        }
        switch method {
        case .kmeans:
            let (indices, table) = kmeans(weights)
            return make(indices, table, .kmeans)
        case .int8Tensor:
            let scale = symmetricScale(weights[...])
            return make(weights.map { symmetricCode($0, scale: scale) }, symmetricTable(scale: scale), .int8Tensor(scale: scale))
        case .int8Channel:
            let rowLength = inChannels * 9
            var indices: [UInt8] = []
            indices.reserveCapacity(weights.count)
            var scales: [Float] = []
            for k in 0..<outChannels {
                let row = weights[(k * rowLength)..<((k + 1) * rowLength)]
                let scale = symmetricScale(row)
                scales.append(scale)
                indices += row.map { symmetricCode($0, scale: scale) }
            }
            return make(indices, scales.flatMap(symmetricTable(scale:)), .int8Channel(scales: scales))
        case .int8Asymmetric:
            let (scale, zeroPoint) = asymmetricParameters(weights)
            let indices = weights.map { w -> UInt8 in
                UInt8(min(255, max(0, (w / scale).rounded() + Float(zeroPoint))))
            }
            return make(
                indices, asymmetricTable(scale: scale, zeroPoint: zeroPoint),
                .int8Asymmetric(scale: scale, zeroPoint: zeroPoint))
        }
    }

    /// max|w| / 127 (1 for an all-zero slice, so that codes stay 0).
    static func symmetricScale(_ weights: ArraySlice<Float>) -> Float {
        let largest = weights.reduce(Float(0)) { max($0, abs($1)) }
        return largest > 0 ? largest / 127 : 1
    }

    /// q + 128 for q = round(w / scale) clamped to −127…127.
    static func symmetricCode(_ w: Float, scale: Float) -> UInt8 {
        UInt8(Int(min(127, max(-127, (w / scale).rounded()))) + 128)
    }

    /// Scale and zero point over [min(w, 0), max(w, 0)], so that 0 is exact.
    static func asymmetricParameters(_ weights: [Float]) -> (scale: Float, zeroPoint: Int) {
        let low = min(0, weights.min() ?? 0), high = max(0, weights.max() ?? 0)
        let scale = high > low ? (high - low) / 255 : 1
        return (scale, Int(min(255, max(0, (-low / scale).rounded()))))
    }

    /// 1-D k-means with 256 centroids (Lloyd's iterations from quantiles, on the sorted distinct
    /// values with their counts); codes are each weight's nearest centroid. Weights with at most
    /// 256 distinct values keep them exactly.
    static func kmeans(_ weights: [Float], iterations: Int = 40) -> (indices: [UInt8], table: [Float]) {
        let sorted = weights.sorted()
        var values: [Float] = []
        var counts: [Double] = []
        for w in sorted {
            if let last = values.last, last == w { counts[counts.count - 1] += 1 } else {
                values.append(w)
                counts.append(1)
            }
        }
        var centroids: [Float]
        if values.count <= 256 {
            centroids = values
        } else {
            // Prefix sums over the distinct values: a cluster's mean is two differences.
            var prefixCount = [0.0], prefixSum = [0.0]
            for (value, count) in zip(values, counts) {
                prefixCount.append(prefixCount.last! + count)
                prefixSum.append(prefixSum.last! + count * Double(value))
            }
            centroids = (0..<256).map { sorted[min(sorted.count - 1, ($0 * 2 + 1) * sorted.count / 512)] }
            for _ in 0..<iterations {
                centroids = Array(Set(centroids)).sorted()
                let boundaries = midpoints(centroids).map { firstIndex(values, above: $0) }
                var moved = false
                for (j, centroid) in centroids.enumerated() {
                    let (begin, end) = (j == 0 ? 0 : boundaries[j - 1], j == centroids.count - 1 ? values.count : boundaries[j])
                    let n = prefixCount[end] - prefixCount[begin]
                    guard n > 0 else { continue }
                    let mean = Float((prefixSum[end] - prefixSum[begin]) / n)
                    if mean != centroid { moved = true }
                    centroids[j] = mean
                }
                if !moved { break }
            }
            centroids = Array(Set(centroids)).sorted()
        }
        let middles = midpoints(centroids)
        let indices = weights.map { w -> UInt8 in UInt8(firstIndex(middles, above: w)) }
        let table = centroids + Array(repeating: centroids.last ?? 0, count: 256 - centroids.count)
        return (indices, table)
    }

    private static func midpoints(_ sorted: [Float]) -> [Float] {
        zip(sorted, sorted.dropFirst()).map { ($0 + $1) / 2 }
    }

    /// The number of `sorted` elements ≤ value (the nearest centroid's index, for midpoints).
    private static func firstIndex(_ sorted: [Float], above value: Float) -> Int {
        var (low, high) = (0, sorted.count)
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension VGG19Weights {
    /// Every layer's dequantized weights quantized again with `method`.
    public func quantized(_ method: QuantizationMethod) -> VGG19Weights {
        VGG19Weights(
            layers: layers.map { layer in
                Quantizer.quantize(
                    name: layer.name, inChannels: layer.inChannels, outChannels: layer.outChannels,
                    weights: layer.dequantized(), bias: layer.bias, method: method)
            })
    }
}
