import CLRuntime
import Foundation
import StyleEngine

/// Everything one bench run measured, as printed and as JSON.
struct BenchResults: Codable {
    struct Measurement: Codable {
        let secondsPerIteration: Double
        let gflops: Double
        let peakDeviceBytes: Int
        let initialLoss: Double
        let finalLoss: Double
        /// Every iteration's total loss, 0 being the initial image.
        let losses: [Double]
    }

    struct SizeRow: Codable {
        let size: Int
        var engine: [String: Measurement] = [:]
        var peer: Measurement?
        var peerDescription: String?
    }

    let device: DeviceInfo
    let gemmParameters: String
    let iterations: Int
    var gemm: [GEMMBenchmark.Row] = []
    var convolutions: [ConvBenchmark.Row] = []
    var sizes: [SizeRow] = []

    func printTable(precisions: [String]) {
        var header = ["size"]
        for precision in precisions {
            header += ["\(precision) s/it", "GFLOP/s", "peak MiB", "loss@\(iterations)"]
        }
        header += ["PyTorch s/it", "loss@\(iterations)", "fp32 ÷ PyTorch"]
        if precisions.contains("fp16") && precisions.contains("fp32") { header += ["fp16 ÷ fp32 mem", "fp16 loss Δ"] }
        let rows = sizes.map { row -> [String] in
            var cells = ["\(row.size)²"]
            for precision in precisions {
                if let m = row.engine[precision] {
                    cells += [
                        String(format: "%.3f", m.secondsPerIteration), String(format: "%.0f", m.gflops),
                        "\(m.peakDeviceBytes / 1_048_576)", String(format: "%.5g", m.finalLoss),
                    ]
                } else {
                    cells += ["–", "–", "–", "–"]
                }
            }
            if let peer = row.peer {
                cells += [String(format: "%.3f", peer.secondsPerIteration), String(format: "%.5g", peer.finalLoss)]
                cells.append(row.engine["fp32"].map { String(format: "%.2f", $0.secondsPerIteration / peer.secondsPerIteration) } ?? "–")
            } else {
                cells += ["–", "–", "–"]
            }
            if let single = row.engine["fp32"], let half = row.engine["fp16"] {
                cells.append(String(format: "%.2f", Double(half.peakDeviceBytes) / Double(single.peakDeviceBytes)))
                cells.append(String(format: "%+.2f%%", 100 * (half.finalLoss - single.finalLoss) / single.finalLoss))
            } else if precisions.contains("fp16") && precisions.contains("fp32") {
                cells += ["–", "–"]
            }
            return cells
        }
        StyleEngine.printTable(header: header, rows: rows)
    }
}
