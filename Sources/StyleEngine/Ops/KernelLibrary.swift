import CLRuntime
import Kernels

/// The engine's kernels on one device, each built once with the engine's tunables.
public final class KernelLibrary: @unchecked Sendable {
    public let gpu: ComputeDevice
    /// Work-group size and group count of the two-pass reductions (reduce.cl).
    public let reduceLocal: Int
    public let reduceGroups: Int
    /// How activations and weights are stored (`-DSTORAGE_HALF` for fp16).
    public let precision: Precision

    public init(gpu: ComputeDevice, precision: Precision = .fp32, reduceLocal: Int = 64, reduceGroups: Int = 64) {
        self.gpu = gpu
        self.precision = precision
        self.reduceLocal = reduceLocal
        self.reduceGroups = reduceGroups
    }

    var buildOptions: String {
        "-DREDUCE_LOCAL=\(reduceLocal) -DREDUCE_GROUPS=\(reduceGroups)" + (precision == .fp16 ? " -DSTORAGE_HALF=1" : "")
    }

    public func kernel(_ family: String, _ name: String) throws -> Kernel {
        try gpu.kernel(name, source: KernelSources.programSource(of: family), options: buildOptions)
    }

    public var queue: CommandQueue { gpu.queue }

    /// The global size of a reduction kernel: REDUCE_GROUPS groups of REDUCE_LOCAL items.
    var reductionGlobal: [Int] { [reduceLocal * reduceGroups] }
    var reductionLocal: [Int] { [reduceLocal] }
}
