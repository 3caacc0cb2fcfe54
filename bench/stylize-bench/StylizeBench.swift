import ArgumentParser
import CLRuntime
import Foundation
import StyleEngine

extension Precision: ExpressibleByArgument {}

/// `stylize-bench`: the optimization loop at several sizes in FP32 and FP16, GEMM at
/// VGG19's shapes, and the same loop in PyTorch, timed in one run on one machine.
@main
struct StylizeBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stylize-bench",
        abstract: "Benchmark stylize-gpu against itself (FP32, FP16) and a PyTorch peer.",
        discussion: """
            For each size: the content (samples/astronaut.png) and style (samples/ihc.png) are \
            prepared once and both engines start from the same tensors; each runs --iterations \
            L-BFGS iterations. Seconds per iteration are medians after two warm-up iterations; \
            GFLOP/s come from FLOPModel; the loss is the loss after the last iteration.
            """)

    @Option(parsing: .upToNextOption, help: "Output sizes (longest side).")
    var sizes: [Int] = [128, 256, 512]

    @Option(parsing: .upToNextOption, help: "Precisions to run.")
    var precisions: [Precision] = [.fp32, .fp16]

    @Option(help: "Iterations per run.")
    var iterations: Int = 10

    @Option(help: "OpenCL device index.")
    var device: Int = 0

    @Option(name: .customLong("peer-device"), help: "Where the PyTorch peer runs: cpu or cuda.")
    var peerDevice: String = "cpu"

    @Option(name: .customLong("peer-threads"), help: "Threads of the PyTorch peer. (default: PyTorch's)")
    var peerThreads: Int?

    @Option(
        name: .customLong("peer-tf32"),
        help: "On CUDA: TF32 in the peer's matmuls and cuDNN convolutions, on or off. (default: PyTorch's)")
    var peerTF32: String?

    @Option(
        name: .customLong("peer-script"),
        help: "The PyTorch peer. (default: bench/peer_pytorch.py here, else beside the executable's folder)")
    var peerScript: String?

    @Flag(name: .customLong("no-peer"), help: "Skip the PyTorch peer.")
    var noPeer = false

    @Flag(name: .customLong("no-gemm"), help: "Skip the GEMM and convolution microbenchmarks.")
    var noGEMM = false

    @Flag(help: "Time every layer's forward and backward (finishing the queue after each) and print where the time goes.")
    var profile = false

    @Option(help: "Also write the results as JSON here.")
    var json: String?

    @Flag(help: "Instead: each compression setting (prune 0/0.3/0.5/0.7 × l1/activation, each quantization) at --sizes, judged by the unpruned network.")
    var compression = false

    @Option(name: .customLong("compression-images"), help: "With --compression: write each result image into this folder.")
    var compressionImages: String?

    @Option(name: .customLong("compression-only"), parsing: .upToNextOption, help: "With --compression: only settings whose name contains one of these (the uncompressed one always runs).")
    var compressionOnly: [String] = []

    @Flag(help: "Instead: the tiled objective against the whole-image one at --sizes, for every halo from exact down to 0 (loss parts' and gradient's relative differences, time per evaluation).")
    var tiling = false

    @Option(name: .customLong("tile-size"), help: "With --tiling: the tiles' core side.")
    var tileSize = 128

    @Flag(help: "Instead: TransformerNet (random weights) apply at --sizes in --precisions, a training step in FP32; with --profile each layer's convolution at several blockings.")
    var transformer = false

    @Option(
        name: .customLong("fast-models"),
        help: "Instead: a fast style model (--model) against the PyTorch references and inputs bench/fast_models.py wrote in this folder (checked first), apply timed at --sizes × --batches in --precisions, then a training step; run by bench/fast-models.")
    var fastModels: String?

    @Option(help: "With --fast-models: the model (safetensors; bench/fast-models makes one when not given).")
    var model: String?

    @Option(parsing: .upToNextOption, help: "With --fast-models: batch sizes.")
    var batches: [Int] = [1, 4]

    @Flag(name: .customLong("no-train"), help: "With --fast-models: skip the training step.")
    var noTrain = false

    @Option(help: "Folder of the sample images. (default: samples here, else beside the executable's folder)")
    var samples: String?

    /// `relative` in the working directory if it is there, else in the folder above the
    /// executable's (a bundle's bin/..), else `relative` as given.
    static func locate(_ relative: String) -> String {
        if FileManager.default.fileExists(atPath: relative) { return relative }
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            let candidate = executable.deletingLastPathComponent().deletingLastPathComponent().appending(path: relative)
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
        }
        return relative
    }

    /// With --json: the rows of a --tiling or --compression run, as JSON.
    func writeRows<Row: Encodable>(_ rows: [Row]) throws {
        guard let json else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(rows).write(to: URL(fileURLWithPath: json))
        print("wrote \(json)")
    }

    func validate() throws {
        if fastModels != nil && model == nil { throw ValidationError("--fast-models needs --model FILE") }
        if let peerTF32, !["on", "off"].contains(peerTF32) {
            throw ValidationError("--peer-tf32 takes on or off")
        }
    }

    func run() throws {
        let configuration = try EngineConfiguration.fromEnvironment()
        let device = try DeviceInventory.device(at: self.device)
        let gpu = try ComputeDevice(device: device)
        if let fastModels {
            print("device: \(device.info.name) (\(device.info.platformName)); median of \(iterations) runs after one warm-up")
            let result = try FastModelsBench(
                device: device, configuration: configuration, modelPath: model!, data: URL(fileURLWithPath: fastModels),
                repeats: iterations
            ).run(sizes: sizes, batches: batches, precisions: precisions, train: !noTrain)
            if let json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(result).write(to: URL(fileURLWithPath: json))
                print("wrote \(json)")
            }
            return
        }
        if transformer {
            print("device: \(device.info.name) (\(device.info.platformName)); median of \(iterations) runs")
            let bench = TransformerBench(gpu: gpu, repeats: iterations)
            let rows = try bench.run(sizes: sizes, precisions: precisions, train: true)
            try writeRows(rows)
            if profile {
                try bench.profile(size: sizes.max()!)
            }
            return
        }
        let tuning = try GEMMTuning.prepare(gpu: gpu, mode: configuration.gemmTuning ?? .search) { print($0) }
        let weightsURL = try VGG19Weights.locate(explicitPath: nil)
        if tiling {
            print("device: \(device.info.name) (\(device.info.platformName)); tiles of \(tileSize) px")
            let rows = try TilingBench(
                device: device, configuration: configuration, weightsURL: weightsURL,
                samples: samples ?? Self.locate("samples"), tileSize: tileSize
            ).run(sizes: sizes)
            print("")
            TilingBench.printTable(rows)
            try writeRows(rows)
            return
        }
        if compression {
            print("device: \(device.info.name) (\(device.info.platformName)); \(iterations) iterations per setting")
            let rows = try CompressionBench(
                device: device, configuration: configuration, weightsURL: weightsURL,
                samples: samples ?? Self.locate("samples"), iterations: iterations, imagesDirectory: compressionImages,
                only: compressionOnly
            ).run(sizes: sizes)
            print("")
            CompressionBench.printTable(rows)
            try writeRows(rows)
            return
        }
        var results = BenchResults(device: device.info, gemmParameters: tuning?.name ?? "clblast-default", iterations: iterations)
        print("device: \(device.info.name) (\(device.info.platformName))")

        if !noGEMM {
            results.gemm = try GEMMBenchmark(gpu: gpu).run()
            printTable(
                header: ["GEMM (forward, 256² input)", "M×N×K", "GFLOP/s"],
                rows: results.gemm.map { [$0.layer, "\($0.m)×\($0.n)×\($0.k)", String(format: "%.1f", $0.gflops)] })
            results.convolutions = try ConvBenchmark(gpu: gpu).run()
            printTable(
                header: ["conv (forward, 256² input)", "C→K, H×W"] + ConvBenchmark.paths.map { $0.name + " GFLOP/s" },
                rows: results.convolutions.map { row in
                    [row.layer, "\(row.inChannels)→\(row.outChannels), \(row.height)×\(row.width)"]
                        + ConvBenchmark.paths.map { String(format: "%.1f", row.gflops[$0.name] ?? 0) }
                })
        }

        let samples = self.samples ?? Self.locate("samples")
        let peer = PeerRunner(
            script: URL(fileURLWithPath: peerScript ?? Self.locate("bench/peer_pytorch.py")), device: peerDevice,
            threads: peerThreads, tf32: peerTF32)
        let usePeer = !noPeer && peer.available()
        if !noPeer && !usePeer {
            print("PyTorch peer skipped: python3 cannot import torch (python3 -m pip install torch)")
        }
        for size in sizes {
            var (settings, images) = try BenchImages.samples(samples, size: size, iterations: iterations)
            var row = BenchResults.SizeRow(size: size)
            let flops = FLOPModel.perIteration(
                height: images.content.height, width: images.content.width, settings: settings.loss)
            let weights = try VGG19Weights.load(
                from: weightsURL, convolutionCount: VGG19Network.convolutionsNeeded(for: settings.loss.layers))
            for precision in precisions {
                settings.precision = precision
                // A fresh session per run, so that peak memory is this run's alone.
                let session = try EngineSession(
                    device: device, weights: weights, precision: precision, configuration: configuration)
                let targets = try StyleTargets.compute(
                    session: session, styles: images.styles, blendWeights: images.blendWeights,
                    layers: settings.loss.styleLayers, scratchLimit: settings.scratchLimit)
                let objective = try StyleObjective(
                    session: session, targets: targets, content: images.content, settings: settings.loss,
                    scratchLimit: settings.scratchLimit)
                let loop = try OptimizationLoop(
                    session: session, objective: objective, optimizer: settings.optimizerSettings, initial: images.content)
                let layerProfile = profile ? LayerProfile(queue: session.computeDevice.queue) : nil
                loop.profile = layerProfile
                // The profile leaves out the first two iterations, like the timings.
                let run = try loop.run(iterations: iterations, afterUpdate: { if $0 == 2 { layerProfile?.reset() } })
                let seconds = OptimizationLoop.medianIterationSeconds(run.elapsed, warmup: 2)
                row.engine[precision.rawValue] = .init(
                    secondsPerIteration: seconds, gflops: flops / seconds / 1e9,
                    peakDeviceBytes: session.peakAllocatedBytes, initialLoss: run.losses.first!.total,
                    finalLoss: run.losses.last!.total, losses: run.losses.map(\.total))
                print(String(format: "%d² %@: %.3f s/iteration, loss %.6g", size, precision.rawValue, seconds, run.losses.last!.total))
                if let layerProfile { printProfile(layerProfile, evaluations: max(1, iterations - 1)) }
            }
            if usePeer {
                let result = try peer.run(images: images, settings: settings, iterations: iterations)
                row.peer = .init(
                    secondsPerIteration: result.secondsPerIteration, gflops: flops / result.secondsPerIteration / 1e9,
                    peakDeviceBytes: result.peakMemoryBytes, initialLoss: result.losses.first!.loss,
                    finalLoss: result.losses.last!.loss, losses: result.losses.map(\.loss))
                row.peerDescription =
                    "PyTorch \(result.torch) \(result.device)"
                    + (result.device.hasPrefix("cuda") ? (peerTF32.map { ", TF32 \($0)" } ?? "") : ", \(result.threads) threads")
                print(String(format: "%d² PyTorch: %.3f s/iteration, loss %.6g", size, result.secondsPerIteration, result.losses.last!.loss))
                // Correctness first: both must start from the same loss (TF32 rounds to 10 bits of
                // mantissa, so the peer with TF32 on gets a looser bound).
                let tolerance = peerTF32 == "on" ? 1e-2 : 1e-3
                if let engine = row.engine["fp32"] {
                    print(String(
                        format: "%d² initial loss: engine fp32 %.8g, PyTorch %.8g (relative difference %.2e)", size,
                        engine.initialLoss, result.losses[0].loss,
                        abs(engine.initialLoss - result.losses[0].loss) / engine.initialLoss))
                }
                if let engine = row.engine["fp32"], abs(engine.initialLoss - result.losses[0].loss) > tolerance * engine.initialLoss {
                    throw BenchFailure(
                        "the engine and the peer disagree on the initial loss: \(engine.initialLoss) vs \(result.losses[0].loss)")
                }
            }
            results.sizes.append(row)
        }
        print("")
        results.printTable(precisions: precisions.map(\.rawValue))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(results).write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
    }

    /// The profile's steps, slowest first, in milliseconds per iteration.
    func printProfile(_ profile: LayerProfile, evaluations: Int) {
        let total = profile.steps.reduce(0) { $0 + $1.seconds }
        let rows = profile.steps.sorted { $0.seconds > $1.seconds }.map { step in
            [step.name, String(format: "%.1f", 1000 * step.seconds / Double(evaluations)),
             String(format: "%.1f", 100 * step.seconds / max(total, 1e-12))]
        }
        printTable(header: ["step", "ms/iteration", "%"], rows: rows)
    }
}
