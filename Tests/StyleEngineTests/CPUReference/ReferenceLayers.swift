/// Plain CPU references of the engine's layers, in Double, written for obviousness (the
/// `_cpu` functions of llm.c's dev/cuda). Tensors are C×H×W row-major arrays.
enum ReferenceLayers {
    /// out[K×H×W] = bias + Σ w[k][c][ky][kx] · in[c][y+ky−1][x+kx−1] (zero padding 1).
    static func conv3x3Forward(
        _ input: [Double], channels: Int, height: Int, width: Int, weights: [Double], bias: [Double]
    ) -> [Double] {
        let outChannels = bias.count
        var output = [Double](repeating: 0, count: outChannels * height * width)
        output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { x in
                weights.withUnsafeBufferPointer { w in
                    for k in 0..<outChannels {
                        for p in 0..<(height * width) { out[k * height * width + p] = bias[k] }
                        for c in 0..<channels {
                            for ky in 0..<3 {
                                for kx in 0..<3 {
                                    let weight = w[((k * channels + c) * 3 + ky) * 3 + kx]
                                    for y in 0..<height {
                                        let sourceY = y + ky - 1
                                        if sourceY < 0 || sourceY >= height { continue }
                                        for column in max(0, 1 - kx)..<min(width, width + 1 - kx) {
                                            out[(k * height + y) * width + column] +=
                                                weight * x[(c * height + sourceY) * width + column + kx - 1]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// ∂L/∂in[C×H×W] from ∂L/∂out[K×H×W]: each output gradient flows back along its taps.
    static func conv3x3BackwardInput(
        _ gradOutput: [Double], channels: Int, height: Int, width: Int, weights: [Double], outChannels: Int
    ) -> [Double] {
        var gradInput = [Double](repeating: 0, count: channels * height * width)
        for k in 0..<outChannels {
            for c in 0..<channels {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let weight = weights[((k * channels + c) * 3 + ky) * 3 + kx]
                        for y in 0..<height {
                            let sourceY = y + ky - 1
                            if sourceY < 0 || sourceY >= height { continue }
                            for x in 0..<width {
                                let sourceX = x + kx - 1
                                if sourceX < 0 || sourceX >= width { continue }
                                gradInput[(c * height + sourceY) * width + sourceX] +=
                                    weight * gradOutput[(k * height + y) * width + x]
                            }
                        }
                    }
                }
            }
        }
        return gradInput
    }

    static func reluForward(_ x: [Double]) -> [Double] { x.map { max($0, 0) } }

    static func reluBackward(_ gradOutput: [Double], output: [Double]) -> [Double] {
        zip(gradOutput, output).map { $1 > 0 ? $0 : 0 }
    }

    /// 2×2 stride 2; odd trailing rows and columns dropped.
    static func poolForward(_ input: [Double], channels: Int, height: Int, width: Int, max useMax: Bool) -> [Double] {
        let (outH, outW) = (height / 2, width / 2)
        var output = [Double](repeating: 0, count: channels * outH * outW)
        for c in 0..<channels {
            for y in 0..<outH {
                for x in 0..<outW {
                    let window = window(input, c, y, x, height, width)
                    output[(c * outH + y) * outW + x] = useMax ? window.max()! : window.reduce(0, +) / 4
                }
            }
        }
        return output
    }

    /// Max: the gradient goes to the window's first maximum (row-major); average: a quarter each.
    static func poolBackward(
        _ gradOutput: [Double], input: [Double], channels: Int, height: Int, width: Int, max useMax: Bool
    ) -> [Double] {
        let (outH, outW) = (height / 2, width / 2)
        var gradInput = [Double](repeating: 0, count: channels * height * width)
        for c in 0..<channels {
            for y in 0..<outH {
                for x in 0..<outW {
                    let g = gradOutput[(c * outH + y) * outW + x]
                    let values = window(input, c, y, x, height, width)
                    for j in 0..<4 {
                        let index = (c * height + 2 * y + j / 2) * width + 2 * x + j % 2
                        if useMax {
                            if j == values.firstIndex(of: values.max()!) { gradInput[index] += g }
                        } else {
                            gradInput[index] += g / 4
                        }
                    }
                }
            }
        }
        return gradInput
    }

    private static func window(_ input: [Double], _ c: Int, _ y: Int, _ x: Int, _ height: Int, _ width: Int) -> [Double] {
        let base = (c * height + 2 * y) * width + 2 * x
        return [input[base], input[base + 1], input[base + width], input[base + width + 1]]
    }

    /// G = F Fᵀ / (C·P) for F [C × P].
    static func gram(_ features: [Double], channels: Int) -> [Double] {
        let positions = features.count / channels
        var gram = [Double](repeating: 0, count: channels * channels)
        for i in 0..<channels {
            for j in 0..<channels {
                var sum = 0.0
                for p in 0..<positions { sum += features[i * positions + p] * features[j * positions + p] }
                gram[i * channels + j] = sum / Double(channels * positions)
            }
        }
        return gram
    }

    /// ∂L/∂F = (dG + dGᵀ) F / (C·P).
    static func gramBackward(_ gradGram: [Double], features: [Double], channels: Int) -> [Double] {
        let positions = features.count / channels
        var grad = [Double](repeating: 0, count: features.count)
        for i in 0..<channels {
            for j in 0..<channels {
                let g = (gradGram[i * channels + j] + gradGram[j * channels + i]) / Double(channels * positions)
                for p in 0..<positions { grad[i * positions + p] += g * features[j * positions + p] }
            }
        }
        return grad
    }
}
