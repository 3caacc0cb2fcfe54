import FastStyle

/// Plain Swift twins of the FastStyle device ops, in Double, N×C×H×W row-major.
enum ReferenceFastOps {
    static func reflect(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i) }

    static func reflectionPad(_ input: [Double], _ s: TensorShape, pad: Int) -> [Double] {
        let (h, w) = (s.height + 2 * pad, s.width + 2 * pad)
        var out = [Double](repeating: 0, count: s.planes * h * w)
        for plane in 0..<s.planes {
            for y in 0..<h {
                for x in 0..<w {
                    let sy = reflect(y - pad, s.height), sx = reflect(x - pad, s.width)
                    out[(plane * h + y) * w + x] = input[(plane * s.height + sy) * s.width + sx]
                }
            }
        }
        return out
    }

    static func upsample2x(_ x: [Double], _ s: TensorShape) -> [Double] {
        let (h, w) = (2 * s.height, 2 * s.width)
        var out = [Double](repeating: 0, count: s.planes * h * w)
        for plane in 0..<s.planes {
            for y in 0..<h {
                for xx in 0..<w { out[(plane * h + y) * w + xx] = x[(plane * s.height + y / 2) * s.width + xx / 2] }
            }
        }
        return out
    }

    /// out[n][o][y][x] = bias[o] + Σ w[o][c][ky][kx] · in[n][c][y·s+ky][x·s+kx].
    static func conv(_ input: [Double], _ s: StridedConvShape, weights: [Double], bias: [Double]?) -> [Double] {
        let (k, st, c, kk) = (s.kernelSize, s.stride, s.inChannels, s.outChannels)
        let (ho, wo) = (s.outHeight, s.outWidth)
        var out = [Double](repeating: 0, count: s.output.count)
        for n in 0..<s.images {
            for o in 0..<kk {
                for y in 0..<ho {
                    for x in 0..<wo {
                        var sum = bias?[o] ?? 0
                        for ci in 0..<c {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    sum += weights[((o * c + ci) * k + ky) * k + kx]
                                        * input[((n * c + ci) * s.inHeight + y * st + ky) * s.inWidth + x * st + kx]
                                }
                            }
                        }
                        out[((n * kk + o) * ho + y) * wo + x] = sum
                    }
                }
            }
        }
        return out
    }

    /// y = γ[n·stride + c]·(x − μ)/√(σ² + ε) + β[n·stride + c] per plane, biased σ², optional ReLU.
    static func instanceNorm(
        _ x: [Double], _ s: TensorShape, gamma: [Double], beta: [Double], imageStride: Int, relu: Bool,
        epsilon: Double = 1e-5
    ) -> [Double] {
        var out = x
        let m = s.positions
        for n in 0..<s.images {
            for c in 0..<s.channels {
                let base = (n * s.channels + c) * m
                let plane = x[base..<(base + m)]
                let mean = plane.reduce(0, +) / Double(m)
                let variance = plane.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(m)
                let a = n * imageStride + c
                for p in 0..<m {
                    let y = gamma[a] * (x[base + p] - mean) / (variance + epsilon).squareRoot() + beta[a]
                    out[base + p] = relu ? max(y, 0) : y
                }
            }
        }
        return out
    }

    /// row[c] = Σ_s weights[s] · table[s·C + c].
    static func blend(_ table: [Double], channels: Int, weights: [Double]) -> [Double] {
        (0..<channels).map { c in weights.indices.reduce(0) { $0 + weights[$1] * table[$1 * channels + c] } }
    }
}
