import Foundation

/// Picks CLBlast's GEMM kernel parameters for a device: times a few candidate sets on a
/// VGG19-sized product, keeps the fastest that computes correctly, and remembers the choice
/// on disk (beside the program cache) so later runs apply it at once.
///
/// CLBlast's own database knows many GPUs but not PoCL's CPU device, where its defaults
/// reach a fifth of what a CPU-shaped tiling does.
public enum GEMMTuning {
    public struct ParameterSet: Codable, Sendable, Equatable {
        public var name: String
        /// Xgemm parameters; empty means CLBlast's own choice.
        public var values: [String: Int]
    }

    public struct Choice: Codable, Sendable {
        public var parameters: ParameterSet
        public var gflops: Double
        /// GFLOP/s of every candidate tried, for the record.
        public var measured: [String: Double]
    }

    /// How `prepare` may choose: from the cache or a built-in default only, or by measuring.
    public enum Mode: String, Sendable, CaseIterable {
        case off, cached, search
    }

    static func xgemm(_ kwg: Int, _ mdimc: Int, _ ndimc: Int, _ mwg: Int, _ nwg: Int, _ vwm: Int, _ vwn: Int)
        -> [String: Int]
    {
        [
            "KWG": kwg, "KWI": 2, "MDIMA": mdimc, "MDIMC": mdimc, "MWG": mwg, "NDIMB": ndimc, "NDIMC": ndimc,
            "NWG": nwg, "SA": 0, "SB": 0, "STRM": 0, "STRN": 0, "VWM": vwm, "VWN": vwn, "GEMMK": 0, "KREG": 1,
        ]
    }

    /// Candidates: CLBlast's default, then register-blocked tilings that suit CPUs (wide
    /// vectors, few work-items per group) and a shared-memory-free GPU-ish tiling.
    public static let candidates: [ParameterSet] = [
        ParameterSet(name: "clblast-default", values: [:]),
        ParameterSet(name: "cpu-32x128-v8", values: xgemm(16, 4, 4, 32, 128, 8, 8)),
        ParameterSet(name: "cpu-64x64-v8", values: xgemm(16, 8, 8, 64, 64, 8, 8)),
        ParameterSet(name: "cpu-32x64-v8x16", values: xgemm(16, 4, 4, 32, 64, 8, 16)),
        ParameterSet(name: "cpu-64x128-v8x16", values: xgemm(32, 8, 8, 64, 128, 8, 16)),
        ParameterSet(name: "gpu-64x64-v4", values: xgemm(16, 16, 16, 64, 64, 4, 4)),
    ]

    /// The built-in choice where no measurement exists: the CPU tiling for CPU devices
    /// (measured 4× CLBlast's default on PoCL), CLBlast's database elsewhere.
    public static func builtInDefault(for info: DeviceInfo) -> ParameterSet {
        info.isCPU ? candidates[1] : candidates[0]
    }

    /// Applies the cached choice for this device, else measures (mode `search`) or applies
    /// the built-in default (mode `cached`). Returns what was applied.
    @discardableResult
    public static func prepare(
        gpu: ComputeDevice, mode: Mode, cacheDirectory: URL = ProgramCache.cacheRoot().appending(path: "gemm-tuning"),
        log: (String) -> Void = { _ in }
    ) throws -> ParameterSet? {
        if mode == .off { return nil }
        let file = cacheDirectory.appending(path: cacheKey(gpu.info) + ".json")
        if let data = try? Data(contentsOf: file), let choice = try? JSONDecoder().decode(Choice.self, from: data) {
            try apply(choice.parameters, to: gpu.device)
            return choice.parameters
        }
        guard mode == .search else {
            let parameters = builtInDefault(for: gpu.info)
            try apply(parameters, to: gpu.device)
            return parameters
        }
        log("tuning GEMM for \(gpu.info.name) (once; the choice is cached)…")
        let choice = try search(gpu: gpu)
        try? FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try? encoder.encode(choice).write(to: file, options: .atomic)
        log(String(format: "GEMM: %@ at %.0f GFLOP/s", choice.parameters.name, choice.gflops))
        return choice.parameters
    }

    public static func apply(_ parameters: ParameterSet, to device: Device) throws {
        // An empty set restores CLBlast's database entry by overriding nothing: nothing to do
        // in a fresh process, which is where a choice is applied.
        guard !parameters.values.isEmpty else { return }
        try GEMM.overrideParameters(
            device: device, kernel: "Xgemm",
            parameters: parameters.values.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) })
        // Below m·n·k = XGEMM_MIN_INDIRECT_SIZE³ CLBlast switches to its direct kernel, whose
        // parameters these are not: most of VGG19's products (m·n·k < 2·10⁹ for CPUs) would
        // fall there. The tuned kernel is kept for everything but tiny products.
        try GEMM.overrideParameters(
            device: device, kernel: "GemmRoutine", parameters: [(name: "XGEMM_MIN_INDIRECT_SIZE", value: 128)])
    }

    /// Times each candidate on a product shaped like VGG19's conv3 layers and returns the
    /// fastest whose result is right.
    public static func search(gpu: ComputeDevice, m: Int = 256, n: Int = 4096, k: Int = 2304) throws -> Choice {
        let a = try gpu.buffer((0..<(m * k)).map { Float($0 % 7) - 3 })
        let b = try gpu.buffer((0..<(k * n)).map { Float($0 % 5) - 2 })
        let c = try gpu.buffer(Float.self, count: m * n)
        // Exact in float: small integers, sums far below 2^24.
        let expectedFirstRow = (0..<n).map { column in
            (0..<k).reduce(Float(0)) { $0 + (Float($1 % 7) - 3) * (Float(($1 * n + column) % 5) - 2) }
        }
        var best: Choice?
        var measured: [String: Double] = [:]
        // CLBlast's default goes first: once overridden, a device's parameters cannot be
        // restored in the same process (the next process then applies nothing).
        for candidate in candidates {
            do {
                try apply(candidate, to: gpu.device)
                try GEMM.clearCache()  // compiled kernels are cached per routine, not per parameters
                try GEMM.sgemm(queue: gpu.queue, m: m, n: n, k: k, a: a, b: b, c: c)  // compiles
                guard try c.download(count: n, queue: gpu.queue) == expectedFirstRow else { continue }
                let start = Date()
                let repeats = 3
                for _ in 0..<repeats { try GEMM.sgemm(queue: gpu.queue, m: m, n: n, k: k, a: a, b: b, c: c) }
                try gpu.finish()
                let gflops = 2 * Double(m * n * k) * Double(repeats) / Date().timeIntervalSince(start) / 1e9
                measured[candidate.name] = gflops
                if gflops > best?.gflops ?? 0 { best = Choice(parameters: candidate, gflops: gflops, measured: [:]) }
            } catch {
                continue  // a tiling the device cannot run (local memory, work-group size)
            }
        }
        guard var choice = best else { throw CLBlastError(call: "GEMMTuning.search", status: -2040) }
        choice.measured = measured
        try apply(choice.parameters, to: gpu.device)
        try GEMM.clearCache()
        return choice
    }

    static func cacheKey(_ info: DeviceInfo) -> String {
        stableHash([info.platformName, info.platformVersion, info.name, info.driverVersion].joined(separator: "\u{0}"))
    }
}
