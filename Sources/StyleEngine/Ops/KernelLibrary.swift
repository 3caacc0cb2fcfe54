import CLRuntime
import Foundation
import Kernels

/// The engine's kernels on one device, each built once with the engine's tunables.
public final class KernelLibrary: @unchecked Sendable {
    public let gpu: ComputeDevice
    /// How the two-pass reductions (reduce.cl) fill their partial sums, their work-group size
    /// and group count.
    public let reductions: ReductionKind
    public let reduceLocal: Int
    public let reduceGroups: Int
    /// How activations and weights are stored (`-DSTORAGE_HALF` for fp16).
    public let precision: Precision
    /// How 3×3 convolutions are computed.
    public let convolution: ConvolutionAlgorithm
    /// Which GEMM multiplies the convolutions' matrices.
    public let gemm: GEMMBackend

    /// `convolution` and `gemm`: nil takes the device's default (`EngineConfiguration`).
    public init(
        gpu: ComputeDevice, precision: Precision = .fp32, convolution: ConvolutionAlgorithm? = nil,
        gemm: GEMMBackend? = nil, reductions: ReductionKind? = nil, reduceGroups: Int = 64
    ) {
        self.gpu = gpu
        self.precision = precision
        let defaults = EngineConfiguration()
        self.convolution = convolution ?? defaults.convolution(for: gpu.info)
        self.gemm = gemm ?? defaults.gemm(for: gpu.info)
        self.reductions = reductions ?? (gpu.info.isCPU ? .chunked : .tree)
        self.reduceLocal = self.reductions == .chunked ? 1 : 64
        self.reduceGroups = reduceGroups
    }

    var buildOptions: String {
        [
            "-DREDUCE_LOCAL=\(reduceLocal) -DREDUCE_GROUPS=\(reduceGroups)", ConvGEMM.buildOptions, DirectConvolution.buildOptions,
            Gram.buildOptions, precision == .fp16 ? "-DSTORAGE_HALF=1" : "", reductions == .chunked ? "-DREDUCE_CHUNKED=1" : "",
        ].filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Kernels already looked up, so the optimization loop neither rebuilds nor re-hashes a
    /// program's source for each launch.
    private var kernels: [String: Kernel] = [:]

    public func kernel(_ family: String, _ name: String) throws -> Kernel {
        let key = family + "/" + name
        if let kernel = kernels[key] { return kernel }
        let kernel = try gpu.kernel(name, source: KernelSources.programSource(of: family), options: buildOptions)
        kernels[key] = kernel
        return kernel
    }

    /// A kernel built with `options` (a family's `-D` tunables, such as fast_conv.cl's
    /// blocking) after the engine's own; each distinct options string is its own program.
    public func kernel(_ family: String, _ name: String, options: String) throws -> Kernel {
        if options.isEmpty { return try kernel(family, name) }
        let key = family + "/" + name + " " + options
        if let kernel = kernels[key] { return kernel }
        let kernel = try gpu.kernel(
            name, source: KernelSources.programSource(of: family), options: buildOptions + " " + options)
        kernels[key] = kernel
        return kernel
    }

    public var queue: CommandQueue { gpu.queue }

    /// The global size of a reduction kernel: REDUCE_GROUPS groups of REDUCE_LOCAL items.
    var reductionGlobal: [Int] { [reduceLocal * reduceGroups] }
    var reductionLocal: [Int] { [reduceLocal] }
}
