/// L-BFGS as the spec defines it, step for step as PyTorch's `LBFGS(lr, max_iter=1,
/// history_size=m, line_search_fn=None)` called once per iteration, in Double — with the
/// engine's one safeguard: until a pair is accepted, steps are scaled like the first.
final class ReferenceLBFGS {
    let historySize: Int
    let learningRate: Double
    private var directions: [[Double]] = []  // y
    private var steps: [[Double]] = []  // s
    private var rhos: [Double] = []
    private var hDiag = 1.0
    private var previousGradient: [Double]?
    private var direction: [Double] = []
    private var t = 0.0

    init(historySize: Int = 100, learningRate: Double = 1) {
        self.historySize = historySize
        self.learningRate = learningRate
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// One iteration: `gradient` is ∂loss/∂x at the current x, which is updated in place.
    func step(x: inout [Double], gradient g: [Double]) {
        if let previous = previousGradient {
            let y = zip(g, previous).map { $0 - $1 }
            let s = direction.map { $0 * t }
            let ys = Self.dot(y, s)
            if ys > 1e-10 {
                if directions.count == historySize {
                    directions.removeFirst()
                    steps.removeFirst()
                    rhos.removeFirst()
                }
                directions.append(y)
                steps.append(s)
                rhos.append(1 / ys)
                hDiag = ys / Self.dot(y, y)
            }
            var q = g.map { -$0 }
            var alphas = [Double](repeating: 0, count: directions.count)
            for i in stride(from: directions.count - 1, through: 0, by: -1) {
                alphas[i] = Self.dot(steps[i], q) * rhos[i]
                q = zip(q, directions[i]).map { $0 - alphas[i] * $1 }
            }
            var r = q.map { $0 * hDiag }
            for i in 0..<directions.count {
                let beta = Self.dot(directions[i], r) * rhos[i]
                r = zip(r, steps[i]).map { $0 + (alphas[i] - beta) * $1 }
            }
            direction = r
            t = directions.isEmpty ? min(1, 1 / g.reduce(0) { $0 + abs($1) }) * learningRate : learningRate
        } else {
            direction = g.map { -$0 }
            t = min(1, 1 / g.reduce(0) { $0 + abs($1) }) * learningRate
        }
        previousGradient = g
        x = zip(x, direction).map { $0 + t * $1 }
    }
}
