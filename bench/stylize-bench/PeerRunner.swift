import Foundation
import StyleEngine

/// Hands the peer (bench/peer_pytorch.py) the exact tensors the engine starts from, and
/// reads back its timings and losses.
struct PeerRunner {
    struct Result: Codable {
        struct Loss: Codable {
            let content: Double
            let style: Double
            let totalVariation: Double
            let loss: Double
        }
        let torch: String
        let device: String
        let threads: Int
        let secondsPerIteration: Double
        let peakMemoryBytes: Int
        let losses: [Loss]
    }

    let script: URL
    let device: String
    let threads: Int?
    /// "on" or "off": TF32 on CUDA; nil leaves PyTorch's defaults.
    var tf32: String? = nil

    /// nil when python3 or PyTorch is missing (the reason is printed once).
    func available() -> Bool {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["python3", "-c", "import torch"]
        probe.standardError = FileHandle.nullDevice
        probe.standardOutput = FileHandle.nullDevice
        guard (try? probe.run()) != nil else { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }

    func run(images: BenchImages, settings: StylizeSettings, iterations: Int) throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appending(path: "stylize-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func write(_ values: [Float], _ name: String) throws {
            try values.withUnsafeBytes { Data($0) }.write(to: directory.appending(path: name))
        }
        try write(images.content.pixels, "content.f32")
        try write(images.content.pixels, "init.f32")
        for (index, style) in images.styles.enumerated() { try write(style.pixels, "style\(index).f32") }
        let blend = images.blendWeights
        let meta: [String: Any] = [
            "height": images.content.height, "width": images.content.width,
            "styles": images.styles.enumerated().map { ["height": $1.height, "width": $1.width, "weight": blend[$0]] },
            "settings": [
                "contentLayers": settings.loss.contentLayers, "styleLayers": settings.loss.styleLayers,
                "contentWeight": settings.loss.contentWeight, "styleWeight": settings.loss.styleWeight,
                "totalVariationWeight": settings.loss.totalVariationWeight, "pooling": settings.pooling.rawValue,
                "optimizer": settings.optimizer.rawValue, "learningRate": settings.optimizerSettings.effectiveLearningRate,
                "historySize": settings.historySize, "iterations": iterations,
            ],
        ]
        try JSONSerialization.data(withJSONObject: meta).write(to: directory.appending(path: "meta.json"))
        let output = directory.appending(path: "peer.json")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", script.path, "--raw-dir", directory.path, "--iterations", "\(iterations)", "--device", device,
             "--json", output.path] + (threads.map { ["--threads", "\($0)"] } ?? [])
            + (tf32.map { ["--tf32", $0] } ?? [])
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchFailure("the PyTorch peer failed (status \(process.terminationStatus))") }
        return try JSONDecoder().decode(Result.self, from: Data(contentsOf: output))
    }
}
