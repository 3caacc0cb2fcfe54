import CLRuntime
import Foundation

/// SGEMM at the shapes VGG19's convolutions give it (forward: K × P × C·9), checked
/// against the CPU on a few entries before it is timed.
struct GEMMBenchmark {
    struct Row: Codable {
        let layer: String
        let m: Int
        let n: Int
        let k: Int
        let gflops: Double
    }

    let gpu: ComputeDevice
    let repeats = 3

    /// The forward products of conv1_2 … conv5_1 at 256×256 input.
    static let shapes: [(String, Int, Int, Int)] = [
        ("conv1_2", 64, 256 * 256, 64 * 9), ("conv2_2", 128, 128 * 128, 128 * 9), ("conv3_2", 256, 64 * 64, 256 * 9),
        ("conv4_2", 512, 32 * 32, 512 * 9), ("conv5_1", 512, 16 * 16, 512 * 9),
    ]

    func run() throws -> [Row] {
        try Self.shapes.map { name, m, n, k in
            let aValues = (0..<(m * k)).map { Float(($0 * 7) % 13) / 13 - 0.5 }
            let bValues = (0..<(k * n)).map { Float(($0 * 5) % 11) / 11 - 0.5 }
            let a = try gpu.buffer(aValues), b = try gpu.buffer(bValues)
            let c = try gpu.buffer(Float.self, count: m * n)
            try GEMM.sgemm(queue: gpu.queue, m: m, n: n, k: k, a: a, b: b, c: c)
            // Correctness first: a sample of entries against a Double dot product.
            let result = try c.download(queue: gpu.queue)
            for (i, j) in [(0, 0), (m - 1, n - 1), (m / 2, n / 3)] {
                let expected = (0..<k).reduce(0.0) { $0 + Double(aValues[i * k + $1]) * Double(bValues[$1 * n + j]) }
                guard abs(Double(result[i * n + j]) - expected) <= 1e-3 * max(1, abs(expected)) else {
                    throw BenchFailure("SGEMM \(m)×\(n)×\(k) is wrong at (\(i), \(j)): \(result[i * n + j]) vs \(expected)")
                }
            }
            let start = Date()
            for _ in 0..<repeats { try GEMM.sgemm(queue: gpu.queue, m: m, n: n, k: k, a: a, b: b, c: c) }
            try gpu.finish()
            let seconds = Date().timeIntervalSince(start) / Double(repeats)
            return Row(layer: name, m: m, n: n, k: k, gflops: 2 * Double(m * n * k) / seconds / 1e9)
        }
    }
}

struct BenchFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
