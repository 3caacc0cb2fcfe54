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
    /// How 3×3 convolutions are computed (nil: the device's default).
    public let convolution: ConvolutionAlgorithm
    /// Which GEMM multiplies the convolutions' matrices (nil: the device's default).
    public let gemm: GEMMBackend

    public init(
        gpu: ComputeDevice, precision: Precision = .fp32, convolution: ConvolutionAlgorithm? = nil,
        gemm: GEMMBackend? = nil, reductions: ReductionKind? = nil, reduceGroups: Int = 64
    ) {
        self.gpu = gpu
        self.precision = precision
        self.convolution = convolution ?? .fromEnvironment(for: gpu.info)
        self.gemm = gemm ?? .fromEnvironment(for: gpu.info)
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

    public var queue: CommandQueue { gpu.queue }

    /// The global size of a reduction kernel: REDUCE_GROUPS groups of REDUCE_LOCAL items.
    var reductionGlobal: [Int] { [reduceLocal * reduceGroups] }
    var reductionLocal: [Int] { [reduceLocal] }
}

/// How reductions (dot products, norms, losses) fill a work-group's partial sum.
public enum ReductionKind: String, Sendable, CaseIterable {
    /// Work-items stride through the vector together, then tree-reduce in local memory (GPUs).
    case tree
    /// Each work-item sums one contiguous chunk with vector accumulators (CPUs, where the
    /// tree's barriers and strided reads run ~20× slower).
    case chunked
}

/// How 3×3 convolutions are computed.
public enum ConvolutionAlgorithm: String, Sendable, Codable, CaseIterable {
    /// im2col + one GEMM per band of rows.
    case im2col
    /// Winograd F(2×2, 3×3) + 16 GEMMs (2.25× fewer multiplies) where both channel counts
    /// are ≥ 16, im2col below.
    case winograd
    /// kernels/conv_direct.cl: register-blocked direct convolution, for CPUs (~2× the others there).
    case direct

    /// `STYLIZE_GPU_CONV` = im2col, winograd or direct; otherwise direct on CPU devices and
    /// Winograd (on CLBlast's GEMM) elsewhere.
    public static func fromEnvironment(for info: DeviceInfo) -> ConvolutionAlgorithm {
        if let name = ProcessInfo.processInfo.environment["STYLIZE_GPU_CONV"], let algorithm = Self(rawValue: name) {
            return algorithm
        }
        return info.isCPU ? .direct : .winograd
    }
}
