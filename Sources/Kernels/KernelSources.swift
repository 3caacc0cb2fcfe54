import Foundation

/// The OpenCL C sources of the engine, one family per `kernels/<family>.cl` file.
///
/// They are compiled into the binary. For kernel development, setting
/// `STYLIZE_GPU_KERNEL_DIR` to a folder of `.cl` files makes `source(of:)` read them from
/// disk instead, without rebuilding.
public enum KernelSources {
    public static let overrideEnvironmentVariable = "STYLIZE_GPU_KERNEL_DIR"

    /// Families whose source uses helpers of another family, built after it.
    static let prerequisites: [String: [String]] = [
        "conv3x3": ["storage"], "winograd": ["storage"], "gemm": ["storage"], "conv_direct": ["storage"], "gram": ["storage"], "relu": ["storage"], "pool": ["storage"], "reduce": ["storage"],
        "losses": ["reduce"], "optimizer": ["storage"],
        "tiles": ["storage"],
        "fast_conv": ["storage"], "winograd4": ["storage"], "instance_norm": ["storage"], "resample": ["storage"],
    ]

    /// Names of every embedded kernel family.
    public static var families: [String] { embeddedKernelSources.keys.sorted() }

    public struct MissingFamily: Error, CustomStringConvertible {
        public let family: String
        public var description: String { "no OpenCL kernel family named '\(family)'" }
    }

    /// The source text of one kernel family (`"conv3x3"` for `kernels/conv3x3.cl`).
    public static func source(of family: String) throws -> String {
        if let directory = ProcessInfo.processInfo.environment[overrideEnvironmentVariable],
            let text = try? String(contentsOfFile: directory + "/" + family + ".cl", encoding: .utf8)
        {
            return text
        }
        guard let text = embeddedKernelSources[family] else { throw MissingFamily(family: family) }
        return text
    }

    /// The text to compile for a family: its prerequisites' sources, then its own.
    public static func programSource(of family: String) throws -> String {
        try buildOrder(of: family).map { try source(of: $0) }.joined(separator: "\n")
    }

    /// The family after its prerequisites (depth first, each once).
    static func buildOrder(of family: String) -> [String] {
        var order: [String] = []
        func visit(_ name: String) {
            for prerequisite in prerequisites[name] ?? [] where !order.contains(prerequisite) { visit(prerequisite) }
            if !order.contains(name) { order.append(name) }
        }
        visit(family)
        return order
    }
}
